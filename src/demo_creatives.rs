//! The demo workspace's creatives: a generated history of past creatives with
//! results (enough to train every model, all marked demo), a `train_models` job
//! that trains the hook, CTR and ROAS models on it as soon as the worker runs,
//! and two short generated videos to analyse in the Studio on first start.

use crate::assets::{self, NewAsset};
use crate::creatives::{self, PastCreative};
use crate::db::Db;
use crate::demo::DEMO_ADMIN_EMAIL;
use crate::domain::creative::{CreativeDraft, Placement};
use crate::domain::features::FEATURE_SET_VERSION;
use crate::domain::job::{Job, JobInput};
use crate::domain::render::CaptionCue;
use crate::domain::{Campaign, Platform};
use crate::domain::{Role, SessionUser};
use crate::error::{Error, Result};
use crate::jobs::service::Jobs;
use crate::media::MediaStore;
use crate::ml::history::{self, HistoryCampaign};
use crate::on_pool;
use std::path::Path;

/// Past creatives generated for the demo workspace.
pub const HISTORY_CREATIVES: usize = 400;
/// Seed of the demo history, so every fresh start has the same one.
pub const HISTORY_SEED: u64 = 2026;
/// Percentile of hook rate at or above which a demo hook counts as strong.
pub const DEMO_HOOK_PERCENTILE: f64 = 0.7;

fn history_campaigns(campaigns: &[Campaign]) -> Vec<HistoryCampaign> {
    campaigns
        .iter()
        .map(|c| HistoryCampaign {
            id: c.id,
            niche: c.niche,
            objective: c.objective,
            platforms: c.platforms.clone(),
        })
        .collect()
}

/// The generated history of the workspace's campaigns, as seeded.
pub fn generate_history(campaigns: &[Campaign], last_day: time::Date) -> Vec<PastCreative> {
    history::generate(
        HISTORY_SEED,
        HISTORY_CREATIVES,
        &history_campaigns(campaigns),
        last_day,
    )
}

/// What the demo workspace still lacks, and whom to add it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Missing {
    pub workspace_id: i64,
    pub admin_id: i64,
    /// No past creatives (they are stored in one transaction: none means none).
    pub history: bool,
    /// No model and no training job yet.
    pub training: bool,
    /// Not every demo video is there to analyse.
    pub videos: bool,
    /// No demo experiment yet.
    pub experiment: bool,
}

/// What the demo workspace lacks: everything on a first start; on a later one,
/// whatever a start that stopped half-way (a crash, a `kill -9`) did not add.
/// `None` when there is no demo workspace or nothing is missing.
pub async fn missing(db: &Db) -> Result<Option<Missing>> {
    let found: Option<Missing> = on_pool!(db, pool => sqlx::query_as(
        "SELECT w.id AS workspace_id, u.id AS admin_id, \
         NOT EXISTS (SELECT 1 FROM creatives c WHERE c.workspace_id = w.id AND c.asset_id IS NULL) AS history, \
         NOT EXISTS (SELECT 1 FROM models m WHERE m.workspace_id = w.id) \
           AND NOT EXISTS (SELECT 1 FROM background_jobs j WHERE j.workspace_id = w.id AND j.kind = 'train_models') AS training, \
         (SELECT COUNT(*) FROM creatives c WHERE c.workspace_id = w.id AND c.asset_id IS NOT NULL AND c.is_demo) < $1 AS videos, \
         NOT EXISTS (SELECT 1 FROM experiments e WHERE e.workspace_id = w.id AND e.is_demo) AS experiment \
         FROM workspaces w JOIN users u ON u.workspace_id = w.id \
         WHERE w.is_demo AND u.is_demo AND u.role = 'admin' \
         ORDER BY w.id, u.id LIMIT 1",
    )
    .bind(DEMO_VIDEOS.len() as i64)
    .fetch_optional(pool)
    .await?);
    Ok(found.filter(|m| m.history || m.training || m.videos || m.experiment))
}

/// Adds what the demo workspace lacks: the history, the training job, the demo
/// videos, in that order. Videos need ffmpeg; without them the Studio still
/// scores the past creatives, so their failure is logged, not returned.
pub async fn complete(db: &Db, jobs: &Jobs, missing: Missing) -> Result<()> {
    let Missing {
        workspace_id,
        admin_id,
        ..
    } = missing;
    if missing.history {
        seed_history(db, workspace_id).await?;
    }
    if missing.experiment {
        crate::demo_experiment::seed(db, workspace_id, admin_id).await?;
    }
    if missing.training {
        let job = queue_training(jobs, workspace_id, admin_id).await?;
        tracing::info!(
            job_id = job.id,
            workspace_id,
            "demo models queued for training"
        );
    }
    if missing.videos {
        let videos = match jobs.media.ensure() {
            Ok(()) => seed_videos(db, &jobs.media, workspace_id, admin_id).await,
            Err(e) => Err(Error::Internal(format!("media directory: {e}"))),
        };
        if let Err(e) = videos {
            tracing::error!(error = %e, workspace_id, "demo videos not added; the next start tries again");
        }
    }
    Ok(())
}

/// Stores the generated history, with results up to yesterday.
pub async fn seed_history(db: &Db, workspace_id: i64) -> Result<()> {
    let campaigns = crate::campaigns::list(db, workspace_id, true).await?;
    let yesterday = time::OffsetDateTime::now_utc().date() - time::Duration::days(1);
    let mut past = generate_history(&campaigns, yesterday);
    if let Some(first) = past.first_mut() {
        wear_out(&mut first.daily);
    }
    creatives::insert_demo_history(db, workspace_id, FEATURE_SET_VERSION, &past).await
}

/// Makes one demo creative tire the way real ones do, so the fatigue scan has
/// something to find: its audience sees it more and more often (reach shrinks
/// to a frequency of about 4 over the last week) and it gets clicked 40 % less in
/// the last 3 days.
fn wear_out(daily: &mut [creatives::DailyRow]) {
    let n = daily.len();
    for (i, day) in daily.iter_mut().enumerate() {
        let from_end = n - i;
        if from_end <= 7 {
            day.reach = Some(day.impressions / 4);
        }
        if from_end <= 3 {
            day.clicks = day.clicks * 3 / 5;
            day.conversions = day.conversions.min(day.clicks);
        }
    }
}

/// Queues the training of the hook, CTR and ROAS models on the demo history, on
/// behalf of the demo admin: models are trained as jobs, the demo's too, and the
/// Studio has them a moment after the first start.
pub async fn queue_training(jobs: &Jobs, workspace_id: i64, admin_id: i64) -> Result<Job> {
    let admin = SessionUser {
        id: admin_id,
        workspace_id,
        workspace_name: "Demo workspace".into(),
        email: DEMO_ADMIN_EMAIL.into(),
        role: Role::Admin,
    };
    jobs.enqueue(
        &admin,
        JobInput::TrainModels {
            hook_percentile: DEMO_HOOK_PERCENTILE,
        },
    )
    .await
}

/// A demo video: coloured scenes (each change is a cut) over a tone whose first
/// second is `first_second_gain` louder than the rest.
struct DemoVideo {
    name: &'static str,
    hook: &'static str,
    cta: &'static str,
    caption: Option<&'static str>,
    scenes: &'static [(&'static str, f64)],
    first_second_gain: f64,
}

const DEMO_VIDEOS: &[DemoVideo] = &[
    DemoVideo {
        name: "Demo video: 3 moves, fast cuts",
        hook: "Want abs in 30 days?",
        cta: "Join free today",
        caption: Some("3 moves. 30 days."),
        scenes: &[
            ("red", 0.8),
            ("blue", 0.8),
            ("green", 1.0),
            ("orange", 2.4),
            ("purple", 3.0),
        ],
        first_second_gain: 1.0,
    },
    DemoVideo {
        name: "Demo video: one slow shot",
        hook: "Our studio has classes for every level of experience",
        cta: "Learn more",
        caption: None,
        scenes: &[("gray", 8.0)],
        first_second_gain: 0.12,
    },
];

async fn render_demo_video(video: &DemoVideo, path: &Path) -> Result<()> {
    crate::render::test_media::make_scene_clip(
        path,
        video.scenes,
        (540, 960),
        video.first_second_gain,
    )
    .await
    .map_err(|e| Error::Internal(format!("demo video not made: {e}")))
}

/// Generates the demo videos and adds them as creatives of the fitness campaign
/// (or else the first that runs on TikTok or Meta), ready to analyse; a video
/// already there (from a start that stopped half-way) is not added again.
pub async fn seed_videos(
    db: &Db,
    media: &MediaStore,
    workspace_id: i64,
    owner_id: i64,
) -> Result<()> {
    let campaigns = crate::campaigns::list(db, workspace_id, true).await?;
    let mut fitness_first = campaigns
        .iter()
        .filter(|c| c.niche == crate::domain::Niche::Fitness)
        .chain(campaigns.iter());
    let Some((campaign, platform)) = fitness_first.find_map(|c| {
        [Platform::TikTok, Platform::Meta]
            .into_iter()
            .find(|p| c.platforms.contains(p))
            .map(|p| (c, p))
    }) else {
        return Ok(());
    };
    let present: std::collections::HashSet<String> = creatives::list(db, workspace_id)
        .await?
        .into_iter()
        .filter(|c| c.asset_id.is_some())
        .map(|c| c.name)
        .collect();
    for video in DEMO_VIDEOS.iter().filter(|v| !present.contains(v.name)) {
        let tmp = media
            .tmp()
            .join(format!("demo-{}.mp4", ulid::Ulid::generate()));
        render_demo_video(video, &tmp).await?;
        let info = crate::render::probe(&tmp)
            .await
            .map_err(|e| Error::Internal(format!("demo video unreadable: {e}")))?;
        let bytes = tokio::fs::metadata(&tmp)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        let asset_id = assets::insert(
            db,
            &NewAsset {
                workspace_id,
                owner_id,
                original_name: &format!("{}.mp4", video.name),
                bytes: bytes as i64,
                info: &info,
            },
        )
        .await?;
        let file = format!("{asset_id}.mp4");
        let kept = media.asset_path(&file);
        tokio::fs::rename(&tmp, &kept)
            .await
            .map_err(|e| Error::Internal(format!("demo video not stored: {e}")))?;
        media
            .publish(&kept)
            .await
            .map_err(|e| Error::Internal(format!("demo video not stored: {e}")))?;
        assets::set_file(db, asset_id, &file).await?;
        let draft = CreativeDraft {
            campaign_id: campaign.id,
            name: video.name.to_owned(),
            asset_id,
            hook_text: video.hook.to_owned(),
            cta_text: video.cta.to_owned(),
            captions: video
                .caption
                .map(|text| CaptionCue {
                    start: 0.0,
                    end: 1.5,
                    text: text.to_owned(),
                })
                .into_iter()
                .collect(),
            platform,
            placement: Placement::Reels,
        };
        creatives::create(db, workspace_id, owner_id, &draft, true).await?;
    }
    tracing::info!(
        workspace_id,
        videos = DEMO_VIDEOS.len(),
        "demo videos added"
    );
    Ok(())
}
