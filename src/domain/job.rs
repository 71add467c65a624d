//! Background jobs as people see them: what was asked, where it is, what it made.

use super::render::{Fit, Format, RenderOutput, RenderRecipe};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A recipe of scenes cut from clips, rendered in each chosen format.
    Render,
    /// One whole source video rendered in each chosen format.
    Variants,
    /// A CTR model trained from an uploaded CSV export.
    TrainCtr,
    /// A creative's features extracted from its video and scored by the models.
    Analyze,
    /// Hook, CTR and ROAS models trained on the workspace's creative history.
    TrainModels,
    /// CRM events delivered by webhooks, attributed and credited.
    Conversions,
    /// The daily scan of creatives for fatigue.
    FatigueScan,
    /// Expired sessions, stale temp files and old webhook bodies removed.
    Cleanup,
}

impl JobKind {
    pub const ALL: [JobKind; 8] = [
        JobKind::Render,
        JobKind::Variants,
        JobKind::TrainCtr,
        JobKind::Analyze,
        JobKind::TrainModels,
        JobKind::Conversions,
        JobKind::FatigueScan,
        JobKind::Cleanup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Render => "render",
            JobKind::Variants => "variants",
            JobKind::TrainCtr => "train_ctr",
            JobKind::Analyze => "analyze",
            JobKind::TrainModels => "train_models",
            JobKind::Conversions => "conversions",
            JobKind::FatigueScan => "fatigue_scan",
            JobKind::Cleanup => "cleanup",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Where a job is. `dead` means its last attempt failed with a transient error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Dead,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
        JobStatus::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Dead => "dead",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// No more work will happen unless a person asks for it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled | JobStatus::Dead
        )
    }
}

/// What was asked of the job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum JobInput {
    Render(RenderRecipe),
    Variants {
        asset_id: i64,
        formats: Vec<Format>,
        #[serde(default)]
        fit: Fit,
    },
    /// `file` is the stored CSV's name under the media directory's `training/`.
    #[serde(rename = "train_ctr")]
    TrainCtr {
        file: String,
        original_name: String,
    },
    Analyze {
        creative_id: i64,
    },
    /// A strong hook is one at or above `hook_percentile` (0–1) of the workspace.
    #[serde(rename = "train_models")]
    TrainModels {
        hook_percentile: f64,
    },
    /// The workspace's pending CRM events.
    Conversions {},
    /// Creatives checked against the fatigue rules on results up to yesterday.
    #[serde(rename = "fatigue_scan")]
    FatigueScan {},
    /// Housekeeping; `webhook_days` is how long raw webhook bodies are kept.
    Cleanup {
        webhook_days: i64,
    },
}

impl JobInput {
    pub fn kind(&self) -> JobKind {
        match self {
            JobInput::Render(_) => JobKind::Render,
            JobInput::Variants { .. } => JobKind::Variants,
            JobInput::TrainCtr { .. } => JobKind::TrainCtr,
            JobInput::Analyze { .. } => JobKind::Analyze,
            JobInput::TrainModels { .. } => JobKind::TrainModels,
            JobInput::Conversions {} => JobKind::Conversions,
            JobInput::FatigueScan {} => JobKind::FatigueScan,
            JobInput::Cleanup { .. } => JobKind::Cleanup,
        }
    }

    pub fn formats(&self) -> &[Format] {
        match self {
            JobInput::Render(recipe) => &recipe.formats,
            JobInput::Variants { formats, .. } => formats,
            JobInput::TrainCtr { .. }
            | JobInput::Analyze { .. }
            | JobInput::TrainModels { .. }
            | JobInput::Conversions {}
            | JobInput::FatigueScan {}
            | JobInput::Cleanup { .. } => &[],
        }
    }
}

/// A job row as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    /// The person who asked; `None` for a schedule or a webhook.
    pub owner_id: Option<i64>,
    pub owner_email: String,
    pub workspace_id: i64,
    pub input: JobInput,
    pub status: JobStatus,
    pub stage: String,
    pub progress: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    pub error: Option<String>,
    pub outputs: Vec<RenderOutput>,
    pub cancel_requested: bool,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[cfg_attr(feature = "server", schemars(with = "Option<String>", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[cfg_attr(feature = "server", schemars(with = "Option<String>", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An uploaded source video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: i64,
    pub original_name: String,
    pub bytes: i64,
    pub duration_secs: f64,
    pub width: i32,
    pub height: i32,
    pub has_audio: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Where a job's output files are served from.
pub fn output_url(job_id: i64, file: &str) -> String {
    format!("/media/jobs/{job_id}/{file}")
}
