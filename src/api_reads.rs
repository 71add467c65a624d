//! What the REST API reads and writes outside experiments, for an [`Actor`]: the
//! scope check and the workspace come from here, so an API key and a signed-in
//! person go through the same rule, and another workspace's rows are "not found".

use crate::accounts::Actor;
use crate::db::Db;
use crate::domain::Campaign;
use crate::domain::api_key::Scope;
use crate::domain::creative::{Creative, CreativeAnalysis};
use crate::domain::job::Job;
use crate::domain::page::PageRequest;
use crate::error::{Error, Result};
use crate::jobs::service::Jobs;
use crate::results_import::{self, ImportSummary};
use serde::{Deserialize, Serialize};

pub async fn campaigns(db: &Db, actor: &Actor, page: PageRequest) -> Result<Vec<Campaign>> {
    actor.require(Scope::Read)?;
    crate::campaigns::list_page(db, actor.workspace_id(), true, page).await
}

pub async fn campaign(db: &Db, actor: &Actor, id: i64) -> Result<Campaign> {
    actor.require(Scope::Read)?;
    crate::campaigns::get(db, actor.workspace_id(), id).await
}

pub async fn creatives(db: &Db, actor: &Actor, page: PageRequest) -> Result<Vec<Creative>> {
    actor.require(Scope::Read)?;
    crate::creatives::list_page(db, actor.workspace_id(), page).await
}

pub async fn creative(db: &Db, actor: &Actor, id: i64) -> Result<Creative> {
    actor.require(Scope::Read)?;
    crate::creatives::get(db, actor.workspace_id(), id).await
}

/// One logged prediction about a creative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct LoggedPrediction {
    pub kind: String,
    pub predicted: f64,
    pub model_version: String,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// What the models said about a creative: its last analysis and the predictions
/// logged for it (newest first, at most 100).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct CreativePredictions {
    pub creative_id: i64,
    pub analysis: Option<CreativeAnalysis>,
    pub logged: Vec<LoggedPrediction>,
}

pub async fn predictions(db: &Db, actor: &Actor, creative_id: i64) -> Result<CreativePredictions> {
    let creative = creative(db, actor, creative_id).await?;
    let logged: Vec<LoggedPrediction> = crate::on_pool!(db, pool => sqlx::query_as(
        "SELECT kind, predicted, model_version, created_at FROM predictions \
         WHERE workspace_id = $1 AND creative_id = $2 ORDER BY id DESC LIMIT 100")
        .bind(actor.workspace_id())
        .bind(creative_id)
        .fetch_all(pool)
        .await?);
    Ok(CreativePredictions {
        creative_id,
        analysis: creative.analysis,
        logged,
    })
}

/// A job of the workspace: a person sees their own (an admin every one), a key
/// with `read` every job of its workspace.
pub async fn job(jobs: &Jobs, actor: &Actor, id: i64) -> Result<Job> {
    actor.require(Scope::Read)?;
    match actor {
        Actor::User(user) => jobs.visible(user, id).await,
        Actor::Key(key) => {
            let job = crate::jobs::store::get(&jobs.db, id).await?;
            if job.workspace_id == key.workspace_id {
                Ok(job)
            } else {
                Err(Error::NotFound("job"))
            }
        }
    }
}

/// Daily results as rows of the CSV import, checked by the same parser and
/// written by the same rule (a day already stored is replaced).
pub async fn import_results(
    db: &Db,
    actor: &Actor,
    rows: &[results_import::json::ResultInput],
) -> Result<ImportSummary> {
    actor.require(Scope::ResultsWrite)?;
    results_import::json::import_batch(db, actor.workspace_id(), rows).await
}
