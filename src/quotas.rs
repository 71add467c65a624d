//! Per-workspace quotas: how many jobs a workspace may have queued or running, how
//! many bytes of uploaded media it may store, and how many clips it may upload per
//! hour. One workspace's burst must not fill the disk or the queue that every other
//! workspace on the installation shares. A refusal says what the limit is, where
//! the workspace stands, and when to try again.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_pool;

/// Limits per workspace (each configurable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// Jobs queued or running at once.
    pub active_jobs: i64,
    /// Bytes of uploaded clips stored.
    pub media_bytes: i64,
    /// Clips uploaded within the last hour.
    pub uploads_per_hour: i64,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            active_jobs: 20,
            media_bytes: 20 * 1024 * 1024 * 1024,
            uploads_per_hour: 100,
        }
    }
}

/// Seconds a client is told to wait when the job quota is full: about the time a
/// short render takes.
pub const JOBS_RETRY_AFTER_SECS: u64 = 30;

/// The refusal when `active` jobs are already queued or running.
pub fn jobs_full(active: i64) -> Error {
    Error::QuotaExceeded {
        message: format!(
            "this workspace already has {active} jobs queued or running, the most it may \
             have at once; try again when one of them finishes"
        ),
        retry_after_secs: JOBS_RETRY_AFTER_SECS,
    }
}

/// Bytes a workspace stores: its clips (kept or still being checked) and the
/// files of its unfinished jobs (a training CSV until its job ends). `$1` is the
/// workspace.
pub(crate) const STORED_BYTES: &str = "SELECT CAST(\
       COALESCE((SELECT SUM(bytes) FROM assets WHERE workspace_id = $1), 0) \
     + COALESCE((SELECT SUM(stored_bytes) FROM background_jobs \
                 WHERE workspace_id = $1 AND status IN ('queued', 'running')), 0) \
     AS BIGINT)";

/// Clips a workspace uploaded since `$2`, and when the oldest of them was.
pub(crate) const RECENT_UPLOADS: &str = "SELECT COUNT(*), MIN(created_at) FROM assets \
     WHERE workspace_id = $1 AND created_at > $2";

/// The refusal when a workspace that stores `stored` bytes would go over its quota.
pub fn bytes_full(stored: i64, quotas: &Quotas) -> Error {
    Error::QuotaExceeded {
        message: format!(
            "this workspace stores {} of uploaded files and may store {}; delete clips \
             it no longer needs, or ask the operator for more room",
            human_bytes(stored),
            human_bytes(quotas.media_bytes)
        ),
        retry_after_secs: 3600,
    }
}

/// The refusal when a workspace uploaded `recent` clips within the hour, the
/// oldest of them at `oldest`.
pub fn hourly_full(recent: i64, oldest: Option<time::OffsetDateTime>) -> Error {
    let wait = oldest
        .map(|t| (t + time::Duration::hours(1) - crate::db::now()).whole_seconds())
        .unwrap_or(60)
        .max(1) as u64;
    Error::QuotaExceeded {
        message: format!(
            "this workspace uploaded {recent} clips in the last hour, the most it may; \
             try again in {} min",
            wait.div_ceil(60)
        ),
        retry_after_secs: wait,
    }
}

/// The start of the hour that uploads are counted over.
pub(crate) fn hour_ago() -> time::OffsetDateTime {
    crate::db::now() - time::Duration::hours(1)
}

/// Refuses early, before a byte of an upload is written, when the workspace is
/// already at a limit. Not locked: the upload takes its place under the lock in
/// [`crate::assets::reserve`] once its size is known.
pub async fn check_upload(db: &Db, quotas: &Quotas, workspace_id: i64) -> Result<()> {
    let (recent, oldest): (i64, Option<time::OffsetDateTime>) = on_pool!(db, pool => sqlx::query_as(RECENT_UPLOADS)
        .bind(workspace_id)
        .bind(hour_ago())
        .fetch_one(pool)
        .await?);
    if recent >= quotas.uploads_per_hour {
        return Err(hourly_full(recent, oldest));
    }
    let stored: i64 = on_pool!(db, pool => sqlx::query_scalar(STORED_BYTES)
        .bind(workspace_id)
        .fetch_one(pool)
        .await?);
    if stored >= quotas.media_bytes {
        return Err(bytes_full(stored, quotas));
    }
    Ok(())
}

/// `1536` → `1.5 KB`, in powers of 1024, for messages.
pub fn human_bytes(bytes: i64) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", units[0])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_a_person_writes_them() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(20 * 1024 * 1024 * 1024), "20.0 GB");
    }

    #[test]
    fn a_full_queue_says_how_many_and_when() {
        let e = jobs_full(20);
        let text = e.to_string();
        assert!(text.contains("20 jobs queued or running"), "{text}");
        assert!(matches!(
            e,
            Error::QuotaExceeded {
                retry_after_secs: JOBS_RETRY_AFTER_SECS,
                ..
            }
        ));
    }
}
