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
    db.close().await;
}
