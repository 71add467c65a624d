//! A circuit breaker per dependency: failsafe's state machine (closed → open →
//! half-open → closed, with instrumentation) driven by a count-based policy.
//! failsafe's own rate policy is an EMA over a time window that cannot open
//! before a whole window has passed; Titan's rule is simpler to reason about:
//! open when at least [`MIN_CALLS`] of the last [`WINDOW`] calls were made and
//! half or more of them failed; after [`OPEN_FOR`] one probe is let through.

use failsafe::failure_policy::FailurePolicy;
use failsafe::{Config, StateMachine};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// Calls remembered per dependency.
pub const WINDOW: usize = 20;
/// Fewest remembered calls before the breaker may open.
pub const MIN_CALLS: usize = 10;
/// How long an open breaker refuses calls before letting a probe through.
pub const OPEN_FOR: Duration = Duration::from_secs(30);

/// The last [`WINDOW`] outcomes (true = failed).
#[derive(Debug)]
pub struct RecentCalls {
    outcomes: VecDeque<bool>,
    open_for: Duration,
}

impl RecentCalls {
    pub fn new(open_for: Duration) -> Self {
        Self {
            outcomes: VecDeque::with_capacity(WINDOW),
            open_for,
        }
    }

    fn push(&mut self, failed: bool) {
        if self.outcomes.len() == WINDOW {
            self.outcomes.pop_front();
        }
        self.outcomes.push_back(failed);
    }

    /// Whether the remembered calls say the dependency is down.
    pub fn should_open(&self) -> bool {
        let failed = self.outcomes.iter().filter(|f| **f).count();
        self.outcomes.len() >= MIN_CALLS && failed * 2 >= self.outcomes.len()
    }
}

impl FailurePolicy for RecentCalls {
    fn record_success(&mut self) {
        self.push(false);
    }

    fn mark_dead_on_failure(&mut self) -> Option<Duration> {
        self.push(true);
        self.should_open().then_some(self.open_for)
    }

    fn revived(&mut self) {
        self.outcomes.clear();
    }
}

/// Where a breaker is, as `/metrics` and `/readyz` show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// Keeps the state where it can be read without the machine's lock, and reports
/// transitions to the log and to metrics.
#[derive(Debug)]
struct Watch {
    dependency: &'static str,
    state: Arc<AtomicU8>,
}

impl Watch {
    fn set(&self, state: BreakerState) {
        self.state.store(state as u8, Ordering::Relaxed);
        metrics::gauge!("titan_breaker_state", "dependency" => self.dependency)
            .set(f64::from(state as u8));
    }
}

impl failsafe::Instrument for Watch {
    fn on_call_rejected(&self) {
        metrics::counter!("titan_outbound_calls_total", "dependency" => self.dependency, "outcome" => "rejected")
            .increment(1);
    }

    fn on_open(&self) {
        tracing::warn!(
            dependency = self.dependency,
            "circuit breaker opened: calls fail fast for {}s",
            OPEN_FOR.as_secs()
        );
        self.set(BreakerState::Open);
    }

    fn on_half_open(&self) {
        tracing::info!(
            dependency = self.dependency,
            "circuit breaker half-open: one probe call allowed"
        );
        self.set(BreakerState::HalfOpen);
    }

    fn on_closed(&self) {
        tracing::info!(
            dependency = self.dependency,
            "circuit breaker closed: calls flow again"
        );
        self.set(BreakerState::Closed);
    }
}

/// The breaker of one dependency. Cloning shares it.
#[derive(Clone, Debug)]
pub struct Breaker {
    dependency: &'static str,
    machine: StateMachine<RecentCalls, Watch>,
    state: Arc<AtomicU8>,
}

impl Breaker {
    pub fn new(dependency: &'static str, open_for: Duration) -> Self {
        let state = Arc::new(AtomicU8::new(BreakerState::Closed as u8));
        let watch = Watch {
            dependency,
            state: state.clone(),
        };
        watch.set(BreakerState::Closed);
        let machine = Config::new()
            .failure_policy(RecentCalls::new(open_for))
            .instrument(watch)
            .build();
        Self {
            dependency,
            machine,
            state,
        }
    }

    pub fn dependency(&self) -> &'static str {
        self.dependency
    }

    /// Asks to make a call: false while open (the call must not be made).
    pub fn permit(&self) -> bool {
        self.machine.is_call_permitted()
    }

    pub fn record(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        metrics::counter!("titan_outbound_calls_total", "dependency" => self.dependency, "outcome" => outcome)
            .increment(1);
        if ok {
            self.machine.on_success();
        } else {
            self.machine.on_error();
        }
    }

    pub fn state(&self) -> BreakerState {
        match self.state.load(Ordering::Relaxed) {
            1 => BreakerState::Open,
            2 => BreakerState::HalfOpen,
            _ => BreakerState::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(b: &Breaker, ok: usize, failed: usize) {
        (0..ok).for_each(|_| b.record(true));
        (0..failed).for_each(|_| b.record(false));
    }

    #[test]
    fn opens_when_half_of_at_least_ten_calls_failed() {
        let b = Breaker::new("test", Duration::from_secs(30));
        calls(&b, 5, 4);
        assert_eq!(
            b.state(),
            BreakerState::Closed,
            "9 calls are too few to judge"
        );
        calls(&b, 0, 1);
        assert_eq!(b.state(), BreakerState::Open, "5 of 10 failed");
        assert!(!b.permit(), "an open breaker refuses calls");
    }

    #[test]
    fn stays_closed_just_below_half() {
        let b = Breaker::new("test", Duration::from_secs(30));
        calls(&b, 6, 4);
        assert_eq!(b.state(), BreakerState::Closed, "4 of 10 failed");
        calls(&b, 0, 1);
        assert_eq!(b.state(), BreakerState::Closed, "5 of 11 failed");
        calls(&b, 0, 1);
        assert_eq!(b.state(), BreakerState::Open, "6 of 12 failed");
    }

    #[test]
    fn only_the_last_calls_count() {
        let b = Breaker::new("test", Duration::from_secs(30));
        calls(&b, 0, 9);
        calls(&b, WINDOW, 0);
        calls(&b, 0, 9);
        assert_eq!(b.state(), BreakerState::Closed, "9 of the last 20 failed");
    }

    #[test]
    fn ten_failures_open_and_a_probe_after_the_pause_closes_it() {
        let b = Breaker::new("test", Duration::from_millis(50));
        for _ in 0..9 {
            b.record(false);
            assert_eq!(b.state(), BreakerState::Closed);
        }
        b.record(false);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.permit());
        std::thread::sleep(Duration::from_millis(80));
        assert!(b.permit(), "half-open lets a probe through");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(true);
        assert_eq!(b.state(), BreakerState::Closed);
        // History was cleared: one failure does not reopen it.
        b.record(false);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_opens_it_again() {
        let b = Breaker::new("test", Duration::from_millis(30));
        for _ in 0..10 {
            b.record(false);
        }
        std::thread::sleep(Duration::from_millis(50));
        assert!(b.permit());
        b.record(false);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.permit());
    }
}
