//! Changing an experiment: starting it, starting a new period with a split,
//! stopping it, adding and pausing arms. Each change is one transaction that first
//! takes the experiment's row (an `UPDATE … RETURNING` locks it on PostgreSQL and
//! SQLite alike), so two admins clicking "Apply" at once make two periods in
//! order, never two open ones.

use crate::db::Db;
use crate::domain::experiment::ExperimentStatus;
use crate::error::{Error, Result};
use crate::in_transaction;

/// A split as stored: (arm id, share), shares summing to 1.
pub type Split = Vec<(i64, f64)>;

/// Checks a split before it is stored: known arms, shares in [0, 1], sum 1.
pub fn check_split(split: &[(i64, f64)]) -> Result<()> {
    let sum: f64 = split.iter().map(|(_, s)| s).sum();
    let bad = split
        .iter()
        .any(|(_, s)| !s.is_finite() || *s < 0.0 || *s > 1.0);
    if bad || split.is_empty() || (sum - 1.0).abs() > 1e-6 {
        return Err(Error::Internal(format!(
            "split does not sum to 1: {split:?}"
        )));
    }
    Ok(())
}

/// Takes the experiment's row for the rest of the transaction and returns its status.
macro_rules! lock_status {
    ($tx:expr, $workspace_id:expr, $id:expr) => {{
        let status: Option<String> = sqlx::query_scalar(
            "UPDATE experiments SET status = status WHERE id = $1 AND workspace_id = $2 RETURNING status",
        )
        .bind($id)
        .bind($workspace_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let status = status.ok_or(Error::NotFound("experiment"))?;
        ExperimentStatus::parse(&status)
            .map_err(|_| Error::Internal(format!("experiment {} has status {status:?}", $id)))?
    }};
}

/// Refuses the change when a period was started since the caller read the
/// experiment: its split was computed from a state that no longer holds (two
/// applies at once, an apply racing a pause).
macro_rules! expect_seq {
    ($tx:expr, $id:expr, $expected:expr) => {{
        let seq: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM experiment_periods WHERE experiment_id = $1",
        )
        .bind($id)
        .fetch_one(&mut *$tx)
        .await?;
        if seq != $expected {
            return Err(Error::Conflict(
                "this experiment changed while you were looking at it; reload it and try again".into(),
            ));
        }
    }};
}

/// Ends the open period (if any) and opens the next with `split`.
macro_rules! open_period {
    ($tx:expr, $id:expr, $split:expr, $by:expr, $note:expr, $at:expr) => {{
        sqlx::query("UPDATE experiment_periods SET ended_at = $2 WHERE experiment_id = $1 AND ended_at IS NULL")
            .bind($id)
            .bind($at)
            .execute(&mut *$tx)
            .await?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM experiment_periods WHERE experiment_id = $1",
        )
        .bind($id)
        .fetch_one(&mut *$tx)
        .await?;
        let period_id: i64 = sqlx::query_scalar(
            "INSERT INTO experiment_periods (experiment_id, seq, started_at, started_by, note) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind($id)
        .bind(seq as i32)
        .bind($at)
        .bind($by)
        .bind($note)
        .fetch_one(&mut *$tx)
        .await?;
        for (arm_id, share) in $split {
            sqlx::query("INSERT INTO experiment_splits (period_id, arm_id, share) VALUES ($1, $2, $3)")
                .bind(period_id)
                .bind(*arm_id)
                .bind(*share)
                .execute(&mut *$tx)
                .await?;
        }
        seq
    }};
}

fn not_in(status: ExperimentStatus, action: &str) -> Error {
    Error::Conflict(format!(
        "this experiment is {}: it cannot {action}",
        status.label().to_lowercase()
    ))
}

/// draft → running, with a first period of `split` starting at `at`.
pub async fn start(
    db: &Db,
    workspace_id: i64,
    id: i64,
    split: &Split,
    by: Option<i64>,
    at: i64,
) -> Result<()> {
    check_split(split)?;
    in_transaction!(db, tx => {
        let status = lock_status!(tx, workspace_id, id);
        if status != ExperimentStatus::Draft {
            return Err(not_in(status, "be started again"));
        }
        sqlx::query("UPDATE experiments SET status = 'running', started_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        open_period!(tx, id, split, by, "started", at);
    });
    tracing::info!(experiment_id = id, workspace_id, "experiment started");
    Ok(())
}

/// Starts a new period of a running experiment with `split`; returns its number.
pub async fn apply(
    db: &Db,
    workspace_id: i64,
    id: i64,
    split: &Split,
    by: Option<i64>,
    note: &str,
    expected_seq: i64,
) -> Result<i64> {
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    apply_at(db, workspace_id, id, split, by, note, at, expected_seq).await
}

/// [`apply`] at a given time (the demo's history starts periods in the past).
#[allow(clippy::too_many_arguments)]
pub async fn apply_at(
    db: &Db,
    workspace_id: i64,
    id: i64,
    split: &Split,
    by: Option<i64>,
    note: &str,
    at: i64,
    expected_seq: i64,
) -> Result<i64> {
    check_split(split)?;
    let seq = in_transaction!(db, tx => {
        let status = lock_status!(tx, workspace_id, id);
        if status != ExperimentStatus::Running {
            return Err(not_in(status, "take a new split"));
        }
        expect_seq!(tx, id, expected_seq);
        open_period!(tx, id, split, by, note, at)
    });
    tracing::info!(
        experiment_id = id,
        workspace_id,
        period = seq,
        note,
        "split applied"
    );
    Ok(seq)
}

/// running (or draft) → stopped, naming the winner when there is one.
pub async fn stop(
    db: &Db,
    workspace_id: i64,
    id: i64,
    winner_arm_id: Option<i64>,
    note: &str,
) -> Result<()> {
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    in_transaction!(db, tx => {
        let status = lock_status!(tx, workspace_id, id);
        if status == ExperimentStatus::Stopped {
            return Err(not_in(status, "be stopped again"));
        }
        sqlx::query("UPDATE experiment_periods SET ended_at = $2 WHERE experiment_id = $1 AND ended_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE experiments SET status = 'stopped', stopped_at = $2, winner_arm_id = $3, \
                     stop_note = $4 WHERE id = $1")
            .bind(id)
            .bind(at)
            .bind(winner_arm_id)
            .bind(note)
            .execute(&mut *tx)
            .await?;
    });
    tracing::info!(
        experiment_id = id,
        workspace_id,
        winner_arm_id,
        "experiment stopped"
    );
    Ok(())
}

/// Adds a creative of the experiment's campaign as an arm. A running experiment
/// starts a period in which the new arm has `split`'s share (the floor).
pub async fn add_arm(
    db: &Db,
    workspace_id: i64,
    id: i64,
    creative_id: i64,
    split_after: impl FnOnce(i64) -> Split,
    by: Option<i64>,
    expected_seq: i64,
) -> Result<i64> {
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    let arm_id = in_transaction!(db, tx => {
        let status = lock_status!(tx, workspace_id, id);
        if status == ExperimentStatus::Stopped {
            return Err(not_in(status, "take new arms"));
        }
        expect_seq!(tx, id, expected_seq);
        let belongs: Option<i64> = sqlx::query_scalar(
            "SELECT c.id FROM creatives c JOIN experiments e ON e.campaign_id = c.campaign_id \
             WHERE e.id = $1 AND c.id = $2 AND c.workspace_id = $3")
            .bind(id)
            .bind(creative_id)
            .bind(workspace_id)
            .fetch_optional(&mut *tx)
            .await?;
        if belongs.is_none() {
            return Err(crate::validation::FieldErrors::single(
                "creative_id", "not a creative of this experiment's campaign").into());
        }
        let arms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM experiment_arms WHERE experiment_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if arms >= crate::domain::experiment::MAX_ARMS as i64 {
            return Err(crate::validation::FieldErrors::single(
                "creative_id", format!("an experiment has at most {} arms", crate::domain::experiment::MAX_ARMS)).into());
        }
        let arm_id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO experiment_arms (experiment_id, creative_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (experiment_id, creative_id) DO NOTHING RETURNING id")
            .bind(id)
            .bind(creative_id)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        let arm_id = arm_id.ok_or_else(|| Error::Conflict("this creative is already an arm".into()))?;
        if status == ExperimentStatus::Running {
            let split = split_after(arm_id);
            check_split(&split)?;
            open_period!(tx, id, &split, by, "arm added", at);
        }
        arm_id
    });
    tracing::info!(experiment_id = id, arm_id, creative_id, "arm added");
    Ok(arm_id)
}

/// Pauses or resumes an arm; a running experiment starts a period with `split`.
#[allow(clippy::too_many_arguments)]
pub async fn set_paused(
    db: &Db,
    workspace_id: i64,
    id: i64,
    arm_id: i64,
    paused: bool,
    split: &Split,
    by: Option<i64>,
    expected_seq: i64,
) -> Result<()> {
    check_split(split)?;
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    in_transaction!(db, tx => {
        let status = lock_status!(tx, workspace_id, id);
        if status == ExperimentStatus::Stopped {
            return Err(not_in(status, "change its arms"));
        }
        expect_seq!(tx, id, expected_seq);
        let changed = sqlx::query("UPDATE experiment_arms SET paused = $3 WHERE experiment_id = $1 AND id = $2")
            .bind(id)
            .bind(arm_id)
            .bind(paused)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(Error::NotFound("arm"));
        }
        if status == ExperimentStatus::Running {
            open_period!(tx, id, split, by, if paused { "arm paused" } else { "arm resumed" }, at);
        }
    });
    Ok(())
}
