//! The demo workspace of `make run`: a first start adds the history, the
//! training job and the demo videos; a start after one that stopped half-way
//! (a crash, a `kill -9`) adds what is missing and nothing twice.

use crate::helpers::*;
use titan::db::Db;
use titan::demo_creatives::{HISTORY_CREATIVES, missing};
use titan_server::{open_database, seed_demo};

async fn count(db: &Db, sql: &'static str) -> i64 {
    titan::on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}

async fn execute(db: &Db, sql: &'static str) {
    titan::on_pool!(db, pool => sqlx::query(sql).execute(pool).await.unwrap().rows_affected());
}

const PAST: &str = "SELECT COUNT(*) FROM creatives WHERE asset_id IS NULL";
const VIDEOS: &str = "SELECT COUNT(*) FROM creatives WHERE asset_id IS NOT NULL AND is_demo";
const TRAINING: &str = "SELECT COUNT(*) FROM background_jobs WHERE kind = 'train_models'";
const EXPERIMENTS: &str = "SELECT COUNT(*) FROM experiments WHERE is_demo AND status = 'running'";
const PERIODS: &str = "SELECT COUNT(*) FROM experiment_periods";

#[tokio::test]
async fn a_start_after_an_interrupted_demo_seed_adds_only_what_is_missing() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = fresh_database(&dir).await;
    let media = dir.path().join("media").display().to_string();
    let config = config_for(&url, &media, &[]);
    let db = open_database(&config).await.unwrap();

    seed_demo(&db, &config).await.unwrap();
    assert_eq!(
        missing(&db).await.unwrap(),
        None,
        "a first start adds it all"
    );
    assert_eq!(count(&db, PAST).await, HISTORY_CREATIVES as i64);
    assert_eq!(count(&db, TRAINING).await, 1);
    assert_eq!(count(&db, VIDEOS).await, 2);
    assert_eq!(
        count(&db, EXPERIMENTS).await,
        1,
        "a running demo experiment"
    );
    assert_eq!(
        count(&db, PERIODS).await,
        2,
        "a week on equal shares, then the engine's split"
    );
    let demo_experiment = demo_experiment_detail(&db).await;
    let arms = demo_experiment.arms;
    assert_eq!(arms.len(), 4);
    let p_best: f64 = arms.iter().map(|a| a.p_best).sum();
    assert!((p_best - 1.0).abs() < 1e-9, "P(best) sums to 1: {p_best}");
    assert!(
        arms.iter()
            .all(|a| a.trials > 1000.0 && a.lower_95 < a.mean && a.mean < a.upper_95)
    );
    assert!(
        demo_experiment.periods[1]
            .arms
            .iter()
            .any(|(_, share, _)| (share - 0.25).abs() > 1e-6),
        "the second week follows the engine's split: {:?}",
        demo_experiment.periods[1]
    );
    assert!(
        demo_experiment.periods.iter().all(|p| !p.srm_flagged),
        "the re-drawn days follow their split: {:?}",
        demo_experiment.periods
    );

    // The demo's worn-out creative is found by the fatigue scan, once.
    let demo_ws: i64 =
        titan::on_pool!(&db, pool => sqlx::query_scalar("SELECT id FROM workspaces WHERE is_demo")
        .fetch_one(pool).await)
        .unwrap();
    let today = titan::db::now().date();
    let scan = titan::learning::fatigue_scan::scan_workspace(&db, demo_ws, None, today)
        .await
        .unwrap();
    assert_eq!(scan.creatives as i64, HISTORY_CREATIVES as i64);
    let worn: Vec<(String, String)> = titan::on_pool!(&db, pool => sqlx::query_as(
        "SELECT a.kind, c.name FROM alerts a JOIN creatives c ON c.id = a.creative_id ORDER BY a.id")
        .fetch_all(pool).await).unwrap();
    assert!(
        worn.iter()
            .any(|(kind, name)| kind == "fatigue_high_frequency"
                && name.starts_with("Past creative 001")),
        "{worn:?}"
    );
    assert_eq!(scan.raised, worn.len());
    let again = titan::learning::fatigue_scan::scan_workspace(&db, demo_ws, None, today)
        .await
        .unwrap();
    assert_eq!(again.raised, 0, "a standing alert is not raised twice");

    // As if that start had been killed after storing the history.
    execute(
        &db,
        "DELETE FROM background_jobs WHERE kind = 'train_models'",
    )
    .await;
    execute(
        &db,
        "DELETE FROM creatives WHERE id = (SELECT MAX(id) FROM creatives WHERE asset_id IS NOT NULL)",
    )
    .await;
    let gaps = missing(&db).await.unwrap().expect("something is missing");
    assert!(!gaps.history && gaps.training && gaps.videos, "{gaps:?}");

    seed_demo(&db, &config).await.unwrap();
    assert_eq!(missing(&db).await.unwrap(), None);
    assert_eq!(
        count(&db, PAST).await,
        HISTORY_CREATIVES as i64,
        "the history is not added twice"
    );
    assert_eq!(count(&db, TRAINING).await, 1);
    assert_eq!(count(&db, VIDEOS).await, 2);
    assert_eq!(
        count(&db, EXPERIMENTS).await,
        1,
        "the experiment is not added twice"
    );
    db.close().await;
}

/// The demo experiment as its admin sees it.
async fn demo_experiment_detail(db: &Db) -> titan::domain::experiment::ExperimentDetail {
    let (id, user_id): (i64, i64) = titan::on_pool!(db, pool => sqlx::query_as(
        "SELECT e.id, u.id FROM experiments e JOIN users u ON u.workspace_id = e.workspace_id \
         WHERE e.is_demo AND u.role = 'admin' ORDER BY u.id LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap());
    let user = titan::accounts::find_session_user(db, user_id)
        .await
        .unwrap()
        .unwrap();
    let experiments = titan::experiments::Experiments::new(db.clone());
    experiments
        .detail(&titan::accounts::Actor::User(user), id)
        .await
        .unwrap()
}
