//! Jobs Titan queues for itself: the conversions job (webhooks), and the
//! scheduled fatigue scan and clean-up. Each reports what it did as its final
//! stage, so the jobs console shows it.

use super::attempt::JobEnv;
use super::render_job::{JobRunError, ProgressSender};
use crate::domain::job::Job;
use crate::domain::render::RenderOutput;
use crate::on_pool;
use std::time::{Duration, SystemTime};

type Outcome = Result<Vec<RenderOutput>, JobRunError>;

fn report(progress: &ProgressSender, sentence: String) {
    progress.send_replace((sentence, 100));
}

/// Attributes and credits the workspace's pending CRM events.
pub async fn conversions(env: &JobEnv, job: &Job, progress: &ProgressSender) -> Outcome {
    progress.send_replace(("attributing CRM events".to_owned(), 10));
    match crate::learning::conversions::run(&env.db, &env.integrations, job.workspace_id, job.id)
        .await
    {
        Ok(summary) => {
            report(progress, summary.sentence());
            Ok(vec![])
        }
        Err(crate::learning::conversions::ConversionsError::Outbound(e)) => {
            Err(JobRunError::Outbound(e))
        }
        Err(crate::learning::conversions::ConversionsError::Store(e)) => Err(JobRunError::Setup(e)),
    }
}

/// Checks every creative with recent results against the fatigue rules and
/// raises an alert for each rule that holds (once while it stays open).
pub async fn fatigue_scan(env: &JobEnv, job: &Job, progress: &ProgressSender) -> Outcome {
    progress.send_replace(("reading results".to_owned(), 10));
    let today = crate::db::now().date();
    let scan = crate::learning::fatigue_scan::scan_workspace(
        &env.db,
        job.workspace_id,
        Some(job.id),
        today,
    )
    .await
    .map_err(JobRunError::Setup)?;
    report(
        progress,
        format!(
            "scanned {} creatives; raised {} fatigue alerts",
            scan.creatives, scan.raised
        ),
    );
    Ok(vec![])
}

/// Temp files older than this are left over from a crash.
const STALE_TMP: Duration = Duration::from_secs(24 * 3600);

/// Removes the workspace's expired sessions and old raw webhook bodies (their
/// outcome stays), and upload temp files a crash left behind.
pub async fn cleanup(
    env: &JobEnv,
    job: &Job,
    webhook_days: i64,
    progress: &ProgressSender,
) -> Outcome {
    let now = crate::db::now().unix_timestamp();
    let sessions = on_pool!(&env.db, pool => sqlx::query(
        "DELETE FROM sessions WHERE expires_at < $1 AND user_id IN (SELECT id FROM users WHERE workspace_id = $2)",
    )
    .bind(now)
    .bind(job.workspace_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| JobRunError::Setup(e.into()))?;
    let bodies = on_pool!(&env.db, pool => sqlx::query(
        "UPDATE crm_events SET payload = NULL WHERE workspace_id = $1 AND status <> 'pending' \
         AND payload IS NOT NULL AND received_at < $2",
    )
    .bind(job.workspace_id)
    .bind(now - webhook_days.max(1) * 86_400)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| JobRunError::Setup(e.into()))?;
    let files = sweep_tmp(&env.media.tmp()).await;
    report(
        progress,
        format!(
            "removed {sessions} expired sessions, {bodies} old webhook bodies, {files} stale temp files"
        ),
    );
    Ok(vec![])
}

/// Deletes files in `dir` not modified for [`STALE_TMP`]; returns how many.
async fn sweep_tmp(dir: &std::path::Path) -> usize {
    let mut removed = 0;
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "temp directory not readable; not swept");
            return 0;
        }
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let stale = match entry.metadata().await.and_then(|m| m.modified()) {
            Ok(modified) => SystemTime::now()
                .duration_since(modified)
                .is_ok_and(|age| age > STALE_TMP),
            Err(_) => false,
        };
        if stale {
            match tokio::fs::remove_file(entry.path()).await {
                Ok(()) => removed += 1,
                Err(e) => {
                    tracing::warn!(path = %entry.path().display(), error = %e, "stale temp file not removed")
                }
            }
        }
    }
    removed
}
