//! The demo workspace's experiment: four creatives of one demo campaign, run for
//! the fourteen days of the demo history, so `make run` opens on a real
//! experiment page.
//!
//! The history was generated without any split, so the arms' days are re-drawn
//! as an experiment would have delivered them: a fixed daily total divided by the
//! period's split, each arm's clicks, 3-second views and conversions drawn at its
//! own historical rates. The first week runs on equal shares; at its end the
//! engine's own recommendation (from that week's evidence) is applied, and the
//! second week follows it. Every number on the page then comes from the engine
//! reading these rows.

use crate::db::Db;
use crate::domain::experiment::{ExperimentDraft, ExperimentSettings, Metric};
use crate::error::{Error, Result};
use crate::experiments::engine::recommend::recommend;
use crate::experiments::{evidence, lifecycle, service::engine_config, store};
use crate::ml::history::DAYS;
use crate::on_pool;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

/// Impressions the experiment's arms get per day, together.
const DAILY_TRAFFIC: u64 = 6_000;
const ARMS: usize = 4;

#[derive(sqlx::FromRow)]
struct ArmRates {
    id: i64,
    impressions: i64,
    views_3s: i64,
    clicks: i64,
    conversions: i64,
}

#[derive(sqlx::FromRow)]
struct Day {
    day: time::Date,
    impressions: i64,
    spend_cents: i64,
    revenue_cents: i64,
    pipeline_revenue_cents: i64,
}

fn rate(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        (part as f64 / whole as f64).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn draw(rng: &mut ChaCha8Rng, n: u64, p: f64) -> Result<u64> {
    Binomial::new(n, p)
        .map(|b| b.sample(rng))
        .map_err(|e| Error::Internal(format!("demo experiment draw: {e}")))
}

/// Re-draws `days` of each arm under `split` (one share per arm).
async fn deliver(
    db: &Db,
    rng: &mut ChaCha8Rng,
    arms: &[ArmRates],
    split: &[f64],
    days: &[time::Date],
) -> Result<()> {
    for (arm, share) in arms.iter().zip(split) {
        let (ctr, hook) = (
            rate(arm.clicks, arm.impressions),
            rate(arm.views_3s, arm.impressions),
        );
        let conversion = rate(arm.conversions, arm.clicks);
        for day in days {
            let old: Option<Day> = on_pool!(db, pool => sqlx::query_as(
                "SELECT day, impressions, spend_cents, revenue_cents, pipeline_revenue_cents \
                 FROM creative_daily WHERE creative_id = $1 AND day = $2")
                .bind(arm.id)
                .bind(*day)
                .fetch_optional(pool)
                .await?);
            let Some(old) = old else { continue };
            let impressions = draw(rng, DAILY_TRAFFIC, *share)?;
            let clicks = draw(rng, impressions, ctr)?;
            let views = draw(rng, impressions, hook)?;
            let conversions = draw(rng, clicks, conversion)?;
            let scale = impressions as f64 / old.impressions.max(1) as f64;
            let scaled = |cents: i64| (cents as f64 * scale).round() as i64;
            on_pool!(db, pool => sqlx::query(
                "UPDATE creative_daily SET impressions = $3, clicks = $4, views_3s = $5, conversions = $6, \
                 spend_cents = $7, revenue_cents = $8, pipeline_revenue_cents = $9 \
                 WHERE creative_id = $1 AND day = $2")
                .bind(arm.id)
                .bind(old.day)
                .bind(impressions as i64)
                .bind(clicks as i64)
                .bind(views as i64)
                .bind(conversions as i64)
                .bind(scaled(old.spend_cents))
                .bind(scaled(old.revenue_cents))
                .bind(scaled(old.pipeline_revenue_cents))
                .execute(pool)
                .await
                .map(|_| ()))?;
        }
    }
    Ok(())
}

fn midnight(day: time::Date) -> i64 {
    day.midnight().assume_utc().unix_timestamp()
}

/// Seeds the demo experiment of `workspace_id` (its history must be stored).
pub async fn seed(db: &Db, workspace_id: i64, admin_id: i64) -> Result<()> {
    let campaign: Option<(i64, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT k.id, k.name FROM campaigns k WHERE k.workspace_id = $1 AND k.is_demo \
         AND (SELECT COUNT(*) FROM creatives c WHERE c.campaign_id = k.id AND c.asset_id IS NULL) >= $2 \
         ORDER BY k.id LIMIT 1")
        .bind(workspace_id)
        .bind(ARMS as i64)
        .fetch_optional(pool)
        .await?);
    let Some((campaign_id, campaign_name)) = campaign else {
        tracing::warn!(
            workspace_id,
            "no demo campaign with enough creatives for the demo experiment"
        );
        return Ok(());
    };
    let arms: Vec<ArmRates> = on_pool!(db, pool => sqlx::query_as(
        "SELECT c.id, CAST(SUM(d.impressions) AS BIGINT) AS impressions, CAST(SUM(d.views_3s) AS BIGINT) AS views_3s, \
         CAST(SUM(d.clicks) AS BIGINT) AS clicks, CAST(SUM(d.conversions) AS BIGINT) AS conversions \
         FROM creatives c JOIN creative_daily d ON d.creative_id = c.id \
         WHERE c.campaign_id = $1 AND c.asset_id IS NULL GROUP BY c.id ORDER BY c.id LIMIT $2")
        .bind(campaign_id)
        .bind(ARMS as i64)
        .fetch_all(pool)
        .await?);
    let yesterday = time::OffsetDateTime::now_utc().date() - time::Duration::days(1);
    let days: Vec<time::Date> = (0..DAYS)
        .rev()
        .map(|back| yesterday - time::Duration::days(back))
        .collect();
    let (first_week, second_week) = days.split_at(days.len() / 2);
    let draft = ExperimentDraft {
        campaign_id,
        name: format!("{campaign_name}: which hook wins"),
        metric: Metric::Click,
        creative_ids: arms.iter().map(|a| a.id).collect(),
        settings: ExperimentSettings::default(),
    };
    let id = store::create(db, workspace_id, Some(admin_id), &draft, true).await?;
    let stored = store::arms(db, id).await?;
    let equal = 1.0 / stored.len() as f64;
    let split: Vec<(i64, f64)> = stored.iter().map(|a| (a.id, equal)).collect();
    let started = midnight(first_week[0]);
    lifecycle::start(db, workspace_id, id, &split, Some(admin_id), started).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(workspace_id as u64);
    let shares: Vec<f64> = split.iter().map(|(_, s)| *s).collect();
    deliver(db, &mut rng, &arms, &shares, first_week).await?;

    // A week later: what the engine recommends from the first week.
    let reallocated = midnight(second_week[0]);
    let periods = store::periods(db, id).await?;
    let evidence = evidence::load(db, id, &stored, &periods, reallocated).await?;
    let config = engine_config(draft.metric, &draft.settings);
    let rec = recommend(&config, &evidence, &shares, Some(started), reallocated)
        .map_err(|e| Error::Internal(format!("demo experiment: {e}")))?;
    let next: Vec<(i64, f64)> = stored
        .iter()
        .map(|a| a.id)
        .zip(rec.split.iter().copied())
        .collect();
    lifecycle::apply_at(
        db,
        workspace_id,
        id,
        &next,
        Some(admin_id),
        "recommended split applied",
        reallocated,
        1,
    )
    .await?;
    deliver(db, &mut rng, &arms, &rec.split, second_week).await?;
    tracing::info!(experiment_id = id, workspace_id, "demo experiment seeded");
    Ok(())
}
