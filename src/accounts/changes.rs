//! A counter of changes to who may do what: a person's role, deactivation,
//! password, or ended sessions. Caches in front of sessions and signed-in
//! users remember the counter they were filled at and are not trusted once it
//! moved, so a change made by this process takes effect on the next request.
//! Other processes see it when their cache entries expire
//! (`TITAN_SESSION_CACHE_MS`).

use std::sync::atomic::{AtomicU64, Ordering};

static CHANGES: AtomicU64 = AtomicU64::new(0);

/// Called after each committed change of that kind in this process; other
/// processes hear of it through Redis when it is set.
pub fn accounts_changed() {
    accounts_changed_elsewhere();
    crate::change_fanout::announce(crate::change_fanout::Topic::Accounts);
}

/// Another process announced such a change: trust no cached entry.
pub fn accounts_changed_elsewhere() {
    CHANGES.fetch_add(1, Ordering::Release);
}

/// The counter now.
pub fn accounts_generation() -> u64 {
    CHANGES.load(Ordering::Acquire)
}
