//! The log of served CTR predictions, written off the request path.
//!
//! A prediction is answered as soon as it is computed; its log row goes into a
//! bounded queue that one task drains into multi-row INSERTs (up to
//! [`BATCH_ROWS`] rows a statement, every [`FLUSH_EVERY`] at most). Writing
//! one row per request before answering capped the endpoint at the database's
//! commit rate.
//!
//! What this trades, said plainly:
//! - A full queue (the database far behind) drops the row rather than slowing
//!   answers; each drop is counted in `titan_prediction_log_dropped_total` on
//!   `/metrics` and logged.
//! - A batch the database refuses is retried once, then written row by row;
//!   a row still refused is dropped and counted the same way, with the error
//!   in the log.
//! - [`PredictionLog::close`] (a graceful stop) writes everything queued before
//!   the process ends (within [`CLOSE_DEADLINE`]); a `kill -9` loses at most
//!   what was queued, a fraction of a second of predictions, never an answer
//!   already given.

use crate::db::Db;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Rows one INSERT writes at most (9 values each, well under SQLite's and
/// PostgreSQL's limits on bound parameters).
pub const BATCH_ROWS: usize = 1000;
/// Rows waiting at most before new ones are dropped.
pub const QUEUE_ROWS: usize = 100_000;
/// Longest a row waits in the queue before its batch is written. Waiting lets
/// a busy second's rows go in a few large INSERTs: writing whatever had
/// arrived at once woke the writer (and a database connection's thread) for
/// every few rows, which cost more than the predictions themselves.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Longest a stop waits for the queued rows to be written.
pub const CLOSE_DEADLINE: Duration = Duration::from_secs(15);
/// Wait before the one retry of a refused batch.
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// Why rows are dropped, as `/metrics` labels them.
const DROP_REASONS: [&str; 3] = ["queue full", "log closed", "database error"];

/// One served prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionRow {
    pub workspace_id: i64,
    pub model_id: i64,
    pub model_version: String,
    pub kind: &'static str,
    /// The inputs as JSON text.
    pub input: String,
    pub predicted: f64,
    pub created_by: Option<i64>,
    pub created_at: time::OffsetDateTime,
    pub creative_id: Option<i64>,
}

/// Counts of what the log did, for `/metrics` and for tests.
#[derive(Debug, Default)]
pub struct LogCounts {
    /// Rows handed to the log: one per prediction answered, dropped or not.
    pub recorded: AtomicU64,
    pub written: AtomicU64,
    pub dropped: AtomicU64,
}

/// The sending half; clone it freely. Dropping every clone ends the writer.
#[derive(Clone, Debug)]
pub struct PredictionLog {
    sender: mpsc::Sender<PredictionRow>,
    counts: Arc<LogCounts>,
}

/// The writer task, stopped by [`LogWriter::close`].
#[derive(Debug)]
pub struct LogWriter {
    task: tokio::task::JoinHandle<()>,
    stop: CancellationToken,
}

impl PredictionLog {
    /// Starts the writer on `db` with a queue of `capacity` rows.
    pub fn start(db: Db, capacity: usize) -> (Self, LogWriter) {
        // Listed on /metrics from the start, so "none dropped" reads as 0.
        for reason in DROP_REASONS {
            metrics::counter!("titan_prediction_log_dropped_total", "reason" => reason)
                .increment(0);
        }
        metrics::counter!("titan_prediction_log_written_total").increment(0);
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let counts = Arc::new(LogCounts::default());
        let stop = CancellationToken::new();
        let task = tokio::spawn(write_batches(db, receiver, counts.clone(), stop.clone()));
        (Self { sender, counts }, LogWriter { task, stop })
    }

    /// Queues `row`; never waits. A full or closed queue drops it (counted).
    pub fn record(&self, row: PredictionRow) {
        self.counts.recorded.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.sender.try_send(row) {
            let (reason, row) = match e {
                mpsc::error::TrySendError::Full(row) => ("queue full", row),
                mpsc::error::TrySendError::Closed(row) => ("log closed", row),
            };
            self.dropped(1, reason, row.workspace_id);
        }
    }

    /// Rows written and dropped so far.
    pub fn counts(&self) -> &LogCounts {
        &self.counts
    }

    fn dropped(&self, rows: u64, reason: &'static str, workspace_id: i64) {
        record_drop(&self.counts, rows, reason, workspace_id);
    }
}

fn record_drop(counts: &LogCounts, rows: u64, reason: &'static str, workspace_id: i64) {
    counts.dropped.fetch_add(rows, Ordering::Relaxed);
    metrics::counter!("titan_prediction_log_dropped_total", "reason" => reason).increment(rows);
    tracing::warn!(rows, reason, workspace_id, "prediction log rows dropped");
}

impl LogWriter {
    /// Refuses new rows (counted as dropped) and waits until every row queued
    /// before is written, or counted as dropped when the database refuses it.
    /// Gives up after [`CLOSE_DEADLINE`] (the database gone), saying so, so
    /// that a stop never hangs on the log.
    pub async fn close(self) {
        self.stop.cancel();
        let mut task = self.task;
        match tokio::time::timeout(CLOSE_DEADLINE, &mut task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "prediction log writer failed"),
            Err(_) => {
                task.abort();
                tracing::error!(
                    deadline_secs = CLOSE_DEADLINE.as_secs(),
                    "prediction log rows still queued at the stop were not written"
                );
            }
        }
    }
}

async fn write_batches(
    db: Db,
    mut receiver: mpsc::Receiver<PredictionRow>,
    counts: Arc<LogCounts>,
    stop: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut closing = false;
    loop {
        tokio::select! {
            received = receiver.recv_many(&mut batch, BATCH_ROWS) => {
                if received == 0 {
                    break;
                }
            }
            () = stop.cancelled(), if !closing => {
                // What is queued is still received, then `recv_many` gives 0.
                receiver.close();
                closing = true;
                continue;
            }
        }
        let rows = batch.len() as u64;
        let mut outcome = insert(&db, &batch).await;
        if let Err(e) = &outcome {
            tracing::warn!(rows, error = %e, "prediction log batch refused; retrying once");
            tokio::time::sleep(RETRY_AFTER).await;
            outcome = insert(&db, &batch).await;
        }
        match outcome {
            Ok(()) => {
                counts.written.fetch_add(rows, Ordering::Relaxed);
                metrics::counter!("titan_prediction_log_written_total").increment(rows);
            }
            // Row by row, so that one row the database refuses loses only itself.
            Err(e) => {
                tracing::error!(rows, error = %e, "prediction log batch refused twice; writing it row by row");
                for row in &batch {
                    match insert(&db, std::slice::from_ref(row)).await {
                        Ok(()) => {
                            counts.written.fetch_add(1, Ordering::Relaxed);
                            metrics::counter!("titan_prediction_log_written_total").increment(1);
                        }
                        Err(e) => {
                            tracing::error!(error = %e, workspace_id = row.workspace_id, "prediction log row lost");
                            record_drop(&counts, 1, "database error", row.workspace_id);
                        }
                    }
                }
            }
        }
        let full = batch.len() == BATCH_ROWS;
        batch.clear();
        if !full && !closing {
            tokio::select! {
                () = tokio::time::sleep(FLUSH_EVERY) => {}
                () = stop.cancelled() => {}
            }
        }
    }
}

/// Writes `rows` in one statement.
async fn insert(db: &Db, rows: &[PredictionRow]) -> crate::error::Result<()> {
    crate::on_pool!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(
            "INSERT INTO predictions (workspace_id, model_id, model_version, kind, input, \
             predicted, created_by, created_at, creative_id) ",
        );
        query.push_values(rows, |mut values, row| {
            values
                .push_bind(row.workspace_id)
                .push_bind(row.model_id)
                .push_bind(row.model_version.as_str())
                .push_bind(row.kind)
                .push_bind(row.input.as_str())
                .push_bind(row.predicted)
                .push_bind(row.created_by)
                .push_bind(row.created_at)
                .push_bind(row.creative_id);
        });
        query.build().execute(pool).await?;
    });
    Ok(())
}
