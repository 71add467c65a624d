//! Campaign storage, always scoped to one workspace: every query carries the
//! workspace id, so a marketer can never read or change another workspace's rows.

use crate::db::{Db, now};
use crate::domain::campaign::parse_platforms;
use crate::domain::campaign::platforms_to_codes;
use crate::domain::page::PageRequest;
use crate::domain::{
    Campaign, CampaignDraft, CampaignStatus, Currency, DailyBudget, Niche, Objective, StatusChange,
};
use crate::error::{Error, Result};
use crate::{in_transaction, on_pool};

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: i64,
    workspace_id: i64,
    name: String,
    objective: String,
    daily_budget_cents: i64,
    currency: String,
    platforms: String,
    niche: String,
    status: String,
    is_demo: bool,
    created_at: time::OffsetDateTime,
    updated_at: time::OffsetDateTime,
}

/// The campaign columns, as a literal so queries stay `&'static str` (sqlx refuses
/// dynamic SQL strings unless audited).
macro_rules! columns {
    () => {
        "id, workspace_id, name, objective, daily_budget_cents, currency, \
         platforms, niche, status, is_demo, created_at, updated_at"
    };
}

impl CampaignRow {
    fn into_campaign(self) -> Result<Campaign> {
        let id = self.id;
        let corrupt = |what: &str| Error::Internal(format!("campaign {id} has an invalid {what}"));
        let currency = Currency::parse(&self.currency).map_err(|_| corrupt("currency"))?;
        let codes: Vec<String> = self.platforms.split(',').map(str::to_owned).collect();
        Ok(Campaign {
            id,
            workspace_id: self.workspace_id,
            name: self.name,
            objective: Objective::parse(&self.objective).map_err(|_| corrupt("objective"))?,
            daily_budget: DailyBudget::from_cents(self.daily_budget_cents, currency)
                .map_err(|_| corrupt("budget"))?,
            platforms: parse_platforms(&codes).map_err(|_| corrupt("platform list"))?,
            niche: Niche::parse(&self.niche).map_err(|_| corrupt("niche"))?,
            status: CampaignStatus::parse(&self.status).map_err(|_| corrupt("status"))?,
            is_demo: self.is_demo,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Campaigns of `workspace_id`, newest first; archived ones only when asked.
pub async fn list(db: &Db, workspace_id: i64, include_archived: bool) -> Result<Vec<Campaign>> {
    list_rows(db, workspace_id, include_archived, i64::MAX, 0).await
}

/// One page of [`list`] (index `campaigns_workspace_created_idx`).
pub async fn list_page(
    db: &Db,
    workspace_id: i64,
    include_archived: bool,
    page: PageRequest,
) -> Result<Vec<Campaign>> {
    list_rows(
        db,
        workspace_id,
        include_archived,
        page.limit(),
        page.offset(),
    )
    .await
}

async fn list_rows(
    db: &Db,
    workspace_id: i64,
    include_archived: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<Campaign>> {
    // Newest first by id: ids only grow, while two creation times in one
    // instant (or a clock stepped back) would tie or reorder.
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM campaigns WHERE workspace_id = $1 \
         AND ($2 OR status <> 'archived') ORDER BY id DESC LIMIT $3 OFFSET $4"
    );
    let rows = on_pool!(db, pool => sqlx::query_as::<_, CampaignRow>(sql)
        .bind(workspace_id)
        .bind(include_archived)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?);
    rows.into_iter().map(CampaignRow::into_campaign).collect()
}

/// One campaign of `workspace_id`.
pub async fn get(db: &Db, workspace_id: i64, id: i64) -> Result<Campaign> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM campaigns WHERE id = $1 AND workspace_id = $2"
    );
    let row = on_pool!(db, pool => sqlx::query_as::<_, CampaignRow>(sql)
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(pool)
        .await?);
    row.ok_or(Error::NotFound("campaign"))?.into_campaign()
}

/// Stores a new draft campaign and returns it.
pub async fn create(
    db: &Db,
    workspace_id: i64,
    draft: &CampaignDraft,
    is_demo: bool,
) -> Result<Campaign> {
    let at = now();
    let sql = concat!(
        "INSERT INTO campaigns (workspace_id, name, objective, daily_budget_cents, currency, \
         platforms, niche, status, is_demo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ",
        columns!()
    );
    let row = on_pool!(db, pool => sqlx::query_as::<_, CampaignRow>(sql)
        .bind(workspace_id)
        .bind(&draft.name)
        .bind(draft.objective.as_str())
        .bind(draft.daily_budget.cents())
        .bind(draft.daily_budget.currency().code())
        .bind(platforms_to_codes(&draft.platforms))
        .bind(draft.niche.as_str())
        .bind(CampaignStatus::Draft.as_str())
        .bind(is_demo)
        .bind(at)
        .fetch_one(pool)
        .await?);
    let campaign = row.into_campaign()?;
    tracing::info!(campaign_id = campaign.id, workspace_id, "campaign created");
    Ok(campaign)
}

/// Replaces the editable fields of a campaign that is not archived.
pub async fn update(
    db: &Db,
    workspace_id: i64,
    id: i64,
    draft: &CampaignDraft,
) -> Result<Campaign> {
    let sql = concat!(
        "UPDATE campaigns SET name = $1, objective = $2, daily_budget_cents = $3, currency = $4, \
         platforms = $5, niche = $6, updated_at = $7 \
         WHERE id = $8 AND workspace_id = $9 AND status <> 'archived' RETURNING ",
        columns!()
    );
    let row = on_pool!(db, pool => sqlx::query_as::<_, CampaignRow>(sql)
        .bind(&draft.name)
        .bind(draft.objective.as_str())
        .bind(draft.daily_budget.cents())
        .bind(draft.daily_budget.currency().code())
        .bind(platforms_to_codes(&draft.platforms))
        .bind(draft.niche.as_str())
        .bind(now())
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(pool)
        .await?);
    match row {
        Some(row) => row.into_campaign(),
        // Tell "missing" from "archived" without leaking other workspaces' rows.
        None => {
            let existing = get(db, workspace_id, id).await?;
            Err(Error::Conflict(format!(
                "campaign is {} and can no longer be edited",
                existing.status.as_str()
            )))
        }
    }
}

/// Applies a lifecycle change, checked against the current status in one transaction.
pub async fn change_status(
    db: &Db,
    workspace_id: i64,
    id: i64,
    change: StatusChange,
) -> Result<Campaign> {
    let select = concat!(
        "SELECT ",
        columns!(),
        " FROM campaigns WHERE id = $1 AND workspace_id = $2"
    );
    let update = concat!(
        "UPDATE campaigns SET status = $1, updated_at = $2 WHERE id = $3 AND workspace_id = $4 \
         AND status = $5 RETURNING ",
        columns!()
    );
    let row = in_transaction!(db, tx => {
        let current = sqlx::query_as::<_, CampaignRow>(select)
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound("campaign"))?
            .into_campaign()?;
        let next = current.status.apply(change)?;
        sqlx::query_as::<_, CampaignRow>(update)
            .bind(next.as_str())
            .bind(now())
            .bind(id)
            .bind(workspace_id)
            .bind(current.status.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::Conflict("campaign changed meanwhile; reload and retry".into()))?
    });
    let campaign = row.into_campaign()?;
    tracing::info!(
        campaign_id = id,
        workspace_id,
        change = change.as_str(),
        status = campaign.status.as_str(),
        "campaign status changed"
    );
    Ok(campaign)
}
