//! Creatives and their daily results: stored, listed per workspace with their
//! totals, and read back as training examples for the models.

use crate::db::{Db, now};
use crate::domain::creative::{
    Creative, CreativeAnalysis, CreativeContext, CreativeDraft, Performance, Placement,
};
use crate::domain::features::CreativeFeatures;
use crate::domain::render::CaptionCue;
use crate::domain::{Niche, Objective, Platform};
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use crate::{in_transaction, on_pool};

#[derive(sqlx::FromRow)]
struct CreativeRow {
    id: i64,
    campaign_id: i64,
    campaign_name: String,
    name: String,
    asset_id: Option<i64>,
    hook_text: String,
    cta_text: String,
    platform: String,
    placement: String,
    niche: String,
    objective: String,
    features: Option<String>,
    feature_set: Option<String>,
    analysis: Option<String>,
    is_demo: bool,
    created_at: time::OffsetDateTime,
    days: i64,
    impressions: i64,
    views_3s: i64,
    clicks: i64,
    spend_cents: i64,
    revenue_cents: i64,
    pipeline_revenue_cents: i64,
}

const SELECT: &str = "SELECT c.id, c.campaign_id, k.name AS campaign_name, c.name, c.asset_id, c.hook_text, \
    c.cta_text, c.platform, c.placement, k.niche, k.objective, c.features, c.feature_set, c.analysis, \
    c.is_demo, c.created_at, COALESCE(p.days, 0) AS days, COALESCE(p.impressions, 0) AS impressions, \
    COALESCE(p.views_3s, 0) AS views_3s, COALESCE(p.clicks, 0) AS clicks, \
    COALESCE(p.spend_cents, 0) AS spend_cents, COALESCE(p.revenue_cents, 0) AS revenue_cents, \
    COALESCE(p.pipeline_revenue_cents, 0) AS pipeline_revenue_cents \
    FROM creatives c JOIN campaigns k ON k.id = c.campaign_id \
    LEFT JOIN creative_totals p ON p.creative_id = c.id ";

impl CreativeRow {
    fn into_creative(self) -> Result<Creative> {
        let id = self.id;
        let bad = |what: &str| Error::Internal(format!("creative {id} has an invalid {what}"));
        Ok(Creative {
            id,
            campaign_id: self.campaign_id,
            campaign_name: self.campaign_name,
            name: self.name,
            asset_id: self.asset_id,
            hook_text: self.hook_text,
            cta_text: self.cta_text,
            context: CreativeContext {
                platform: Platform::parse(&self.platform).map_err(|_| bad("platform"))?,
                placement: Placement::parse(&self.placement).map_err(|_| bad("placement"))?,
                niche: Niche::parse(&self.niche).map_err(|_| bad("niche"))?,
                objective: Objective::parse(&self.objective).map_err(|_| bad("objective"))?,
            },
            features: decode(self.features).map_err(|_| bad("features"))?,
            feature_set: self.feature_set,
            analysis: decode(self.analysis).map_err(|_| bad("analysis"))?,
            performance: Performance {
                days: self.days,
                impressions: self.impressions,
                views_3s: self.views_3s,
                clicks: self.clicks,
                spend_cents: self.spend_cents,
                revenue_cents: self.revenue_cents,
                pipeline_revenue_cents: self.pipeline_revenue_cents,
            },
            is_demo: self.is_demo,
            created_at: self.created_at,
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(text: Option<String>) -> serde_json::Result<Option<T>> {
    text.map(|t| serde_json::from_str(&t)).transpose()
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("cannot encode: {e}")))
}

/// Every creative of the workspace with its totals, newest first.
pub async fn list(db: &Db, workspace_id: i64) -> Result<Vec<Creative>> {
    list_rows(db, workspace_id, "", i64::MAX, 0).await
}

/// One page of [`list`] (index `creatives_workspace_idx`).
pub async fn list_page(
    db: &Db,
    workspace_id: i64,
    page: crate::domain::page::PageRequest,
) -> Result<Vec<Creative>> {
    list_rows(db, workspace_id, "", page.limit(), page.offset()).await
}

/// Longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// One page of the creatives whose name or hook contains `search` (any case;
/// blank matches all), newest first.
pub async fn search_page(
    db: &Db,
    workspace_id: i64,
    search: &str,
    page: crate::domain::page::PageRequest,
) -> Result<Vec<Creative>> {
    let search = search.trim();
    if search.chars().count() > MAX_SEARCH_CHARS {
        return Err(Error::Invalid(FieldErrors::single(
            "search",
            format!("must be at most {MAX_SEARCH_CHARS} characters"),
        )));
    }
    list_rows(db, workspace_id, search, page.limit(), page.offset()).await
}

/// `text` as a LIKE pattern matching it anywhere, its own `%`, `_` and `\`
/// taken literally. Case is folded in SQL (`LOWER` on both sides), so both
/// sides fold alike on each database.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

async fn list_rows(
    db: &Db,
    workspace_id: i64,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Creative>> {
    let sql = format!(
        "{SELECT} WHERE c.workspace_id = $1 AND ($4 = '' OR LOWER(c.name) LIKE LOWER($5) ESCAPE '\\' \
         OR LOWER(c.hook_text) LIKE LOWER($5) ESCAPE '\\') ORDER BY c.id DESC LIMIT $2 OFFSET $3"
    );
    let pattern = contains_pattern(search);
    let rows = on_pool!(db, pool => sqlx::query_as::<_, CreativeRow>(sqlx::AssertSqlSafe(sql))
        .bind(workspace_id)
        .bind(limit)
        .bind(offset)
        .bind(search)
        .bind(&pattern)
        .fetch_all(pool)
        .await?);
    rows.into_iter().map(CreativeRow::into_creative).collect()
}

pub async fn get(db: &Db, workspace_id: i64, id: i64) -> Result<Creative> {
    let sql = format!("{SELECT} WHERE c.workspace_id = $1 AND c.id = $2");
    let row = on_pool!(db, pool => sqlx::query_as::<_, CreativeRow>(sqlx::AssertSqlSafe(sql))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await?);
    row.ok_or(Error::NotFound("creative"))?.into_creative()
}

/// The creative's video (file under the media directory) and caption cues.
pub async fn media_of(
    db: &Db,
    workspace_id: i64,
    id: i64,
) -> Result<(Option<String>, Vec<CaptionCue>)> {
    let row: Option<(Option<String>, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT a.file, c.captions FROM creatives c LEFT JOIN assets a ON a.id = c.asset_id \
         WHERE c.workspace_id = $1 AND c.id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(pool)
    .await?);
    let (file, captions) = row.ok_or(Error::NotFound("creative"))?;
    let cues = serde_json::from_str(&captions)
        .map_err(|e| Error::Internal(format!("creative {id} has invalid captions: {e}")))?;
    Ok((file, cues))
}

/// Stores a new creative after checking its campaign, platform and clip belong
/// to the workspace. Returns its id.
pub async fn create(
    db: &Db,
    workspace_id: i64,
    created_by: i64,
    draft: &CreativeDraft,
    is_demo: bool,
) -> Result<i64> {
    let campaign = crate::campaigns::get(db, workspace_id, draft.campaign_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::Invalid(FieldErrors::single(
                "campaign_id",
                "no such campaign in this workspace",
            )),
            other => other,
        })?;
    if !campaign.platforms.contains(&draft.platform) {
        return Err(Error::Invalid(FieldErrors::single(
            "platform",
            format!("the campaign does not run on {}", draft.platform.label()),
        )));
    }
    crate::assets::get(db, workspace_id, draft.asset_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::Invalid(FieldErrors::single(
                "asset_id",
                "no such clip in this workspace",
            )),
            other => other,
        })?;
    let captions = encode(&draft.captions)?;
    let id: i64 = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO creatives (workspace_id, campaign_id, name, asset_id, hook_text, cta_text, captions, \
         platform, placement, is_demo, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(workspace_id)
    .bind(draft.campaign_id)
    .bind(&draft.name)
    .bind(draft.asset_id)
    .bind(&draft.hook_text)
    .bind(&draft.cta_text)
    .bind(captions)
    .bind(draft.platform.as_str())
    .bind(draft.placement.as_str())
    .bind(is_demo)
    .bind(created_by)
    .bind(now())
    .fetch_one(pool)
    .await?);
    tracing::info!(creative_id = id, workspace_id, "creative created");
    Ok(id)
}

/// A day of a creative's results.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyRow {
    pub day: time::Date,
    pub impressions: i64,
    pub views_3s: i64,
    pub clicks: i64,
    /// Conversions the platform reported (0 when the report has no such column).
    pub conversions: i64,
    pub spend_cents: i64,
    pub revenue_cents: i64,
    pub pipeline_revenue_cents: i64,
    /// Unique people reached, when the platform reports it (frequency =
    /// impressions / reach).
    pub reach: Option<i64>,
    /// Plays to completion (or 15 s), when the platform reports them.
    pub thruplays: Option<i64>,
    /// Total watch time in milliseconds: the report's average watch seconds x
    /// impressions x 1000, so ranges add up exactly.
    pub watch_ms: Option<i64>,
}

/// A past creative with its extracted features and results (demo history).
#[derive(Clone, Debug, PartialEq)]
pub struct PastCreative {
    pub campaign_id: i64,
    pub name: String,
    pub hook_text: String,
    pub cta_text: String,
    pub platform: Platform,
    pub placement: Placement,
    pub features: CreativeFeatures,
    pub daily: Vec<DailyRow>,
}

/// Writes one day of a creative's results inside transaction `tx`, replacing the
/// day if it is stored already. One statement for every writer of
/// `creative_daily` (the demo seed, results imports).
macro_rules! write_daily {
    ($tx:ident, $creative_id:expr, $day:expr, $is_demo:expr) => {{
        let d: &DailyRow = $day;
        sqlx::query(
            "INSERT INTO creative_daily (creative_id, day, impressions, views_3s, clicks, spend_cents, \
             revenue_cents, pipeline_revenue_cents, is_demo, conversions, reach, thruplays, watch_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (creative_id, day) DO UPDATE SET impressions = excluded.impressions, \
             views_3s = excluded.views_3s, clicks = excluded.clicks, spend_cents = excluded.spend_cents, \
             conversions = excluded.conversions, reach = excluded.reach, \
             thruplays = excluded.thruplays, watch_ms = excluded.watch_ms, \
             revenue_cents = excluded.revenue_cents, \
             pipeline_revenue_cents = excluded.pipeline_revenue_cents + creative_daily.crm_pipeline_cents, \
             is_demo = excluded.is_demo",
        )
        .bind($creative_id)
        .bind(d.day)
        .bind(d.impressions)
        .bind(d.views_3s)
        .bind(d.clicks)
        .bind(d.spend_cents)
        .bind(d.revenue_cents)
        .bind(d.pipeline_revenue_cents)
        .bind($is_demo)
        .bind(d.conversions)
        .bind(d.reach)
        .bind(d.thruplays)
        .bind(d.watch_ms)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Writes days of results of creatives of workspace `workspace_id` (`(creative
/// id, day)`) in one transaction, replacing days already stored; they are real,
/// not demo.
///
/// The rollups' triggers lock a row per campaign and day they add to; the
/// workspace's write lock (held by CRM credit too) keeps two writers of one
/// workspace from taking those locks in opposite orders (a deadlock on
/// PostgreSQL), and the rows go in day and creative order.
pub async fn upsert_daily(db: &Db, workspace_id: i64, rows: &[(i64, &DailyRow)]) -> Result<()> {
    let mut ordered: Vec<&(i64, &DailyRow)> = rows.iter().collect();
    ordered.sort_by_key(|(id, d)| (d.day, *id));
    crate::in_quota_transaction!(db, workspace_id, tx => {
        for (id, d) in ordered {
            write_daily!(tx, *id, d, false);
        }
    });
    Ok(())
}

/// Stores past creatives with their results in one transaction, marked demo.
pub async fn insert_demo_history(
    db: &Db,
    workspace_id: i64,
    feature_set: &str,
    creatives: &[PastCreative],
) -> Result<()> {
    let at = now();
    let encoded: Vec<String> = creatives
        .iter()
        .map(|c| encode(&c.features))
        .collect::<Result<_>>()?;
    in_transaction!(db, tx => {
        for (c, features) in creatives.iter().zip(&encoded) {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO creatives (workspace_id, campaign_id, name, hook_text, cta_text, platform, \
                 placement, features, feature_set, is_demo, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, $10) RETURNING id",
            )
            .bind(workspace_id)
            .bind(c.campaign_id)
            .bind(&c.name)
            .bind(&c.hook_text)
            .bind(&c.cta_text)
            .bind(c.platform.as_str())
            .bind(c.placement.as_str())
            .bind(features)
            .bind(feature_set)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for d in &c.daily {
                write_daily!(tx, id, d, true);
            }
        }
    });
    tracing::info!(
        workspace_id,
        creatives = creatives.len(),
        "demo creative history stored"
    );
    Ok(())
}

/// Records the features extracted from a creative's video.
pub async fn set_features(
    db: &Db,
    workspace_id: i64,
    id: i64,
    feature_set: &str,
    features: &CreativeFeatures,
) -> Result<()> {
    let features = encode(features)?;
    on_pool!(db, pool => sqlx::query(
        "UPDATE creatives SET features = $1, feature_set = $2 WHERE workspace_id = $3 AND id = $4",
    )
        .bind(features)
        .bind(feature_set)
        .bind(workspace_id)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())?);
    Ok(())
}

/// Records the latest analysis of a creative.
pub async fn set_analysis(
    db: &Db,
    workspace_id: i64,
    id: i64,
    analysis: &CreativeAnalysis,
) -> Result<()> {
    let text = encode(analysis)?;
    on_pool!(db, pool => sqlx::query(
        "UPDATE creatives SET analysis = $1, analyzed_at = $2 WHERE workspace_id = $3 AND id = $4",
    )
        .bind(text)
        .bind(analysis.analyzed_at)
        .bind(workspace_id)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())?);
    Ok(())
}

/// Ids and names of a campaign's creatives (at most 500, newest first), for
/// choosing experiment arms.
pub async fn names_in_campaign(
    db: &Db,
    workspace_id: i64,
    campaign_id: i64,
) -> Result<Vec<(i64, String)>> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT id, name FROM creatives WHERE workspace_id = $1 AND campaign_id = $2 ORDER BY id DESC LIMIT 500")
        .bind(workspace_id)
        .bind(campaign_id)
        .fetch_all(pool)
        .await?))
}
