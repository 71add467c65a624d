//! The fatigue scan of one workspace: every creative's last 14 complete days of
//! results through the rules in [`super::fatigue`], an alert for each rule that
//! holds (one standing alert per rule and creative).

use super::alerts::{self, NewAlert};
use super::fatigue::{self, DailyPoint};
use crate::db::Db;
use crate::error::Result;
use crate::on_pool;

/// Days of results the rules look at (two 7-day windows).
pub const DAYS: i64 = 14;

#[derive(sqlx::FromRow)]
struct DailyRow {
    creative_id: i64,
    day: time::Date,
    impressions: i64,
    clicks: i64,
    spend_cents: i64,
    reach: Option<i64>,
}

/// What a scan did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    pub creatives: usize,
    pub raised: usize,
}

/// Scans `workspace_id` on results before `today`; `job_id` is the scan's job.
pub async fn scan_workspace(
    db: &Db,
    workspace_id: i64,
    job_id: Option<i64>,
    today: time::Date,
) -> Result<Scan> {
    let since = today - time::Duration::days(DAYS);
    let rows: Vec<DailyRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT d.creative_id, d.day, d.impressions, d.clicks, d.spend_cents, d.reach FROM creative_daily d \
         JOIN creatives c ON c.id = d.creative_id WHERE c.workspace_id = $1 AND d.day >= $2 AND d.day < $3 \
         ORDER BY d.creative_id, d.day",
    )
    .bind(workspace_id)
    .bind(since)
    .bind(today)
    .fetch_all(pool)
    .await)?;
    let mut scan = Scan::default();
    for chunk in rows.chunk_by(|a, b| a.creative_id == b.creative_id) {
        scan.creatives += 1;
        let series: Vec<DailyPoint> = chunk
            .iter()
            .map(|r| DailyPoint {
                day: r.day,
                impressions: r.impressions,
                clicks: r.clicks,
                spend_cents: r.spend_cents,
                reach: r.reach,
            })
            .collect();
        let creative_id = chunk[0].creative_id;
        for signal in fatigue::scan(&series, today) {
            let kind = format!("fatigue_{}", signal.rule.as_str());
            let alert = NewAlert {
                workspace_id,
                key: format!("{kind}:creative:{creative_id}"),
                kind,
                creative_id: Some(creative_id),
                job_id,
                admins_only: false,
                headline: signal.headline,
                evidence: signal.evidence,
            };
            if alerts::raise(db, &alert).await?.is_some() {
                scan.raised += 1;
            }
        }
    }
    Ok(scan)
}
