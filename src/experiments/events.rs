//! Events reported by code that serves creatives itself (`POST …/events`):
//! impressions, clicks, 3-second views and conversions with their value.
//!
//! Each event carries an id the client chose; the same id twice counts once,
//! however the retries interleave. Reports are durable when answered, and many
//! reports share one transaction (group commit): one writer task takes whatever
//! is waiting, writes it in one transaction and then answers every caller, so a
//! burst of small reports costs a few commits rather than one each.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::in_transaction;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

/// Most events in one report.
pub const MAX_EVENTS_PER_REPORT: usize = 1000;
/// Longest client event id.
pub const MAX_EVENT_ID: usize = 128;
/// Most events written in one transaction.
const MAX_EVENTS_PER_COMMIT: usize = 5000;
/// Reports waiting for the writer; past it callers wait for room.
const QUEUE: usize = 4096;
/// Largest value of one conversion: 10 million in the currency's major unit.
pub const MAX_VALUE_CENTS: i64 = 1_000_000_000;
/// How far in the future an event's time may be (clock skew).
const MAX_FUTURE_SECS: i64 = 300;

/// One event as a client reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct EventInput {
    pub event_id: String,
    pub arm_id: i64,
    #[cfg_attr(feature = "server", schemars(extend("enum" = KINDS)))]
    pub kind: String,
    #[serde(default)]
    pub value_cents: i64,
    /// Unix seconds; the time it is received when absent.
    #[serde(default)]
    pub occurred_at: Option<i64>,
}

/// A checked event ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub event_id: String,
    pub arm_id: i64,
    pub kind: &'static str,
    pub value_cents: i64,
    pub occurred_at: i64,
}

/// What a report did: events newly counted, and ids already seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct EventsReceipt {
    pub accepted: u64,
    pub duplicates: u64,
}

const KINDS: [&str; 4] = ["impression", "click", "view_3s", "conversion"];

/// Checks a report against the experiment's arms; every problem is named by its
/// position (`events[3].kind`) and nothing is stored when any event is refused.
pub fn check(
    events: &[EventInput],
    arm_ids: &[i64],
    started_at: i64,
    now: i64,
) -> Result<Vec<NewEvent>> {
    let mut errors = FieldErrors::new();
    if events.is_empty() || events.len() > MAX_EVENTS_PER_REPORT {
        errors.push(
            "events",
            format!("send 1 to {MAX_EVENTS_PER_REPORT} events per report"),
        );
        return Err(errors.into());
    }
    let mut checked = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let at = |field: &str| format!("events[{i}].{field}");
        let id_ok = !e.event_id.is_empty()
            && e.event_id.len() <= MAX_EVENT_ID
            && e.event_id.bytes().all(|b| b.is_ascii_graphic());
        if !id_ok {
            errors.push(
                &at("event_id"),
                format!("1 to {MAX_EVENT_ID} printable ASCII characters, no spaces"),
            );
        }
        if !arm_ids.contains(&e.arm_id) {
            errors.push(&at("arm_id"), "not an arm of this experiment");
        }
        let kind = KINDS.iter().find(|k| **k == e.kind);
        if kind.is_none() {
            errors.push(&at("kind"), format!("must be one of {}", KINDS.join(", ")));
        }
        if e.value_cents != 0 && e.kind != "conversion" {
            errors.push(&at("value_cents"), "only a conversion carries a value");
        } else if !(0..=MAX_VALUE_CENTS).contains(&e.value_cents) {
            errors.push(
                &at("value_cents"),
                format!("a whole number of cents from 0 to {MAX_VALUE_CENTS}"),
            );
        }
        let occurred_at = e.occurred_at.unwrap_or(now);
        if occurred_at > now + MAX_FUTURE_SECS {
            errors.push(&at("occurred_at"), "must not be in the future");
        } else if occurred_at < started_at {
            errors.push(&at("occurred_at"), "is before the experiment started");
        }
        if let (true, Some(kind)) = (errors.is_empty(), kind) {
            checked.push(NewEvent {
                event_id: e.event_id.clone(),
                arm_id: e.arm_id,
                kind,
                value_cents: e.value_cents,
                occurred_at,
            });
        }
    }
    errors.into_result()?;
    Ok(checked)
}

struct Pending {
    experiment_id: i64,
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Result<EventsReceipt>>,
}

/// The group-commit writer; cheap to clone.
#[derive(Clone)]
pub struct EventWriter {
    queue: mpsc::Sender<Pending>,
}

impl EventWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(db, receiver));
        EventWriter { queue }
    }

    /// Stores `events` of `experiment_id`; answers once they are committed.
    pub async fn write(&self, experiment_id: i64, events: Vec<NewEvent>) -> Result<EventsReceipt> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending {
                experiment_id,
                events,
                reply,
            })
            .await
            .map_err(|_| Error::Internal("the event writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the event writer dropped a report".into()))?
    }
}

async fn write_loop(db: Db, mut receiver: mpsc::Receiver<Pending>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        let mut events = batch[0].events.len();
        while events < MAX_EVENTS_PER_COMMIT {
            match receiver.try_recv() {
                Ok(next) => {
                    events += next.events.len();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        match commit(&db, &batch).await {
            Ok(receipts) => {
                for (pending, receipt) in batch.into_iter().zip(receipts) {
                    // A caller that gave up (timeout, disconnect) no longer listens;
                    // its events are stored all the same and a retry finds them.
                    if pending.reply.send(Ok(receipt)).is_err() {
                        tracing::debug!(
                            experiment_id = pending.experiment_id,
                            "event reporter left before the answer"
                        );
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reports = batch.len(), events, "events not stored");
                for pending in batch {
                    let failed = Err(Error::Internal(format!("events not stored: {e}")));
                    if pending.reply.send(failed).is_err() {
                        tracing::debug!(
                            experiment_id = pending.experiment_id,
                            "event reporter left before the answer"
                        );
                    }
                }
            }
        }
    }
}

async fn commit(db: &Db, batch: &[Pending]) -> Result<Vec<EventsReceipt>> {
    let received_at = time::OffsetDateTime::now_utc().unix_timestamp();
    let receipts = in_transaction!(db, tx => {
        let mut receipts = Vec::with_capacity(batch.len());
        for pending in batch {
            let mut receipt = EventsReceipt::default();
            for e in &pending.events {
                let stored = sqlx::query(
                    "INSERT INTO experiment_events (experiment_id, event_id, arm_id, kind, value_cents, \
                     occurred_at, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (experiment_id, event_id) DO NOTHING")
                    .bind(pending.experiment_id)
                    .bind(&e.event_id)
                    .bind(e.arm_id)
                    .bind(e.kind)
                    .bind(e.value_cents)
                    .bind(e.occurred_at)
                    .bind(received_at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if stored == 1 {
                    receipt.accepted += 1;
                } else {
                    receipt.duplicates += 1;
                }
            }
            receipts.push(receipt);
        }
        receipts
    });
    Ok(receipts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, arm: i64, kind: &str, value: i64) -> EventInput {
        EventInput {
            event_id: id.into(),
            arm_id: arm,
            kind: kind.into(),
            value_cents: value,
            occurred_at: None,
        }
    }

    #[test]
    fn each_bad_event_is_named_by_position_and_field() {
        let events = vec![
            event("ok-1", 1, "click", 0),
            event("", 1, "click", 0),
            event("e 3", 9, "purchase", 0),
            event("e4", 1, "impression", 500),
            event("e5", 1, "conversion", -1),
        ];
        let Err(Error::Invalid(errors)) = check(&events, &[1, 2], 0, 1_000) else {
            panic!("accepted");
        };
        for field in [
            "events[1].event_id",
            "events[2].event_id",
            "events[2].arm_id",
            "events[2].kind",
            "events[3].value_cents",
            "events[4].value_cents",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        assert!(errors.get("events[0].kind").is_none());
    }

    #[test]
    fn times_must_fall_within_the_experiment() {
        let mut late = event("a", 1, "click", 0);
        late.occurred_at = Some(2_000);
        assert!(check(&[late.clone()], &[1], 100, 1_000).is_err(), "future");
        late.occurred_at = Some(50);
        assert!(
            check(&[late.clone()], &[1], 100, 1_000).is_err(),
            "before start"
        );
        late.occurred_at = Some(500);
        let ok = check(
            &[late, event("b", 1, "conversion", 225_000)],
            &[1],
            100,
            1_000,
        )
        .unwrap();
        assert_eq!(ok[0].occurred_at, 500);
        assert_eq!(ok[1].occurred_at, 1_000);
        assert!(check(&[], &[1], 0, 1).is_err());
    }
}
