//! The model registry on a real database (SQLite file, or PostgreSQL when
//! TITAN_TEST_POSTGRES_URL is set): models survive a restart, a worse challenger
//! stays a challenger, a better one takes over, rollback restores the previous
//! champion.

mod support;

use support::{database_url, open};
use titan::ml::registry::{self, Comparison, Metrics, ModelKind, ModelStatus, NewModel};

/// An admin of workspace `workspace_id`, as the registry's admin actions want.
fn admin_of(workspace_id: i64) -> titan::domain::SessionUser {
    titan::domain::SessionUser {
        id: 0,
        workspace_id,
        workspace_name: "Models".into(),
        email: "admin@example.com".into(),
        role: titan::domain::Role::Admin,
    }
}

/// A CTR model with held-out AUC `auc`, and the AUC `(champion id, auc)` of the
/// champion it was compared with.
fn model(workspace_id: i64, auc: f64, champion: Option<(i64, f64)>) -> NewModel {
    let metrics = |auc: f64| Metrics {
        auc: Some(auc),
        log_loss: Some(0.3),
        test_rows: 1000,
        ..Default::default()
    };
    NewModel {
        workspace_id,
        kind: ModelKind::Ctr,
        feature_set: "ctr-csv-test".into(),
        training_rows: 10_000,
        metrics: metrics(auc),
        params: serde_json::json!({ "weights": [auc] }),
        created_by: None,
        compared_with: champion.map(|(champion_id, auc)| Comparison {
            champion_id,
            metrics: metrics(auc),
        }),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn champions_challengers_restart_and_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "lifecycle").await;
    let db = open(&url).await;
    let ws = titan::accounts::create_workspace(&db, "Models", false)
        .await
        .unwrap();

    let first = registry::register(&db, &model(ws, 0.70, None))
        .await
        .unwrap();
    assert_eq!(
        first.status,
        ModelStatus::Champion,
        "the first model becomes champion"
    );
    assert_eq!(first.version_label(), "ctr-v1");

    // Restart: close the pool and open the database again.
    db.close().await;
    let db = open(&url).await;
    let champion = registry::champion(&db, ws, ModelKind::Ctr)
        .await
        .unwrap()
        .expect("champion kept");
    assert_eq!(champion.id, first.id);
    assert_eq!(champion.params, serde_json::json!({ "weights": [0.70] }));

    // Worse on the same held-out data: stays a challenger.
    let worse = registry::register(&db, &model(ws, 0.65, Some((first.id, 0.70))))
        .await
        .unwrap();
    assert_eq!(worse.status, ModelStatus::Challenger);
    assert_eq!(
        registry::champion(&db, ws, ModelKind::Ctr)
            .await
            .unwrap()
            .unwrap()
            .id,
        first.id
    );

    // Better: takes over, the old champion retires.
    let better = registry::register(&db, &model(ws, 0.74, Some((first.id, 0.70))))
        .await
        .unwrap();
    assert_eq!(better.status, ModelStatus::Champion);
    assert_eq!(
        registry::get(&db, ws, first.id).await.unwrap().status,
        ModelStatus::Retired
    );

    // Rollback brings back the previous champion.
    let restored = registry::rollback(&db, &admin_of(ws), ModelKind::Ctr)
        .await
        .unwrap();
    assert_eq!(restored.id, first.id);
    assert_eq!(restored.status, ModelStatus::Champion);
    assert_eq!(
        registry::get(&db, ws, better.id).await.unwrap().status,
        ModelStatus::Retired
    );

    // An admin may promote the challenger anyway.
    let promoted = registry::promote(&db, &admin_of(ws), worse.id)
        .await
        .unwrap();
    assert_eq!(promoted.status, ModelStatus::Champion);
    let statuses: Vec<(i32, ModelStatus)> = registry::list(&db, ws)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.version, m.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (3, ModelStatus::Retired),
            (2, ModelStatus::Champion),
            (1, ModelStatus::Retired)
        ]
    );
    db.close().await;
}

/// A CSV export whose clicks follow cpm and placement (or, `noise`, nothing at all).
fn export(rows: usize, seed: u64, noise: bool) -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut csv = String::from("click,cpm,placement\n");
    for _ in 0..rows {
        let cpm: f64 = rng.gen_range(1.0..20.0);
        let placement = ["feed", "stories", "reels"][rng.gen_range(0..3)];
        let z = -3.0 + 0.15 * cpm + if placement == "reels" { 1.0 } else { 0.0 };
        let p = if noise { 0.2 } else { 1.0 / (1.0 + (-z).exp()) };
        let click = u8::from(rng.r#gen::<f64>() < p);
        csv.push_str(&format!("{click},{cpm:.2},{placement}\n"));
    }
    csv
}

#[tokio::test(flavor = "multi_thread")]
async fn ctr_models_train_from_csv_and_only_a_better_one_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&database_url(dir.path(), "csv").await).await;
    let ws = titan::accounts::create_workspace(&db, "CSV", false)
        .await
        .unwrap();

    let first =
        titan::ml::train::train_ctr_from_csv(&db, ws, None, export(4000, 1, false).as_bytes(), 42)
            .await
            .unwrap();
    assert_eq!(first.status, ModelStatus::Champion);
    assert!(first.metrics.auc.unwrap() > 0.7, "{:?}", first.metrics);
    assert!(!first.metrics.calibration.is_empty());

    // Labels that carry no signal give a worse model on the same held-out rows.
    let noise =
        titan::ml::train::train_ctr_from_csv(&db, ws, None, export(4000, 2, true).as_bytes(), 42)
            .await
            .unwrap();
    assert_eq!(noise.status, ModelStatus::Challenger, "{:?}", noise.metrics);
    assert_eq!(noise.feature_set, first.feature_set);

    let malformed =
        titan::ml::train::train_ctr_from_csv(&db, ws, None, b"click,cpm\n1,2\n0,abc\n", 42)
            .await
            .unwrap_err();
    assert!(
        malformed.to_string().contains("line 3, column cpm"),
        "{malformed}"
    );
    let no_label = titan::ml::train::train_ctr_from_csv(&db, ws, None, b"cpm\n1\n", 42)
        .await
        .unwrap_err();
    assert!(
        no_label.to_string().contains("line 1")
            && no_label.to_string().contains("missing label column"),
        "{no_label}"
    );
    let empty = titan::ml::train::train_ctr_from_csv(&db, ws, None, b"", 42)
        .await
        .unwrap_err();
    assert!(empty.to_string().contains("empty"), "{empty}");
    assert_eq!(
        registry::list(&db, ws).await.unwrap().len(),
        2,
        "refused files register nothing"
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn models_of_one_run_are_registered_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "together").await;
    let db = open(&url).await;
    let ws = titan::accounts::create_workspace(&db, "Models", false)
        .await
        .unwrap();

    // The second model names a workspace that does not exist: the whole run is
    // refused and the first model is not left behind.
    let mut hook = model(ws, 0.70, None);
    hook.kind = ModelKind::Hook;
    let orphan = model(ws + 1_000, 0.70, None);
    registry::register_all(&db, &[hook.clone(), orphan])
        .await
        .expect_err("a model of a missing workspace is refused");
    assert!(registry::list(&db, ws).await.unwrap().is_empty());

    let both = registry::register_all(&db, &[hook, model(ws, 0.70, None)])
        .await
        .unwrap();
    let labels: Vec<String> = both.iter().map(|m| m.version_label()).collect();
    assert_eq!(labels, ["hook-v1", "ctr-v1"]);
    assert!(both.iter().all(|m| m.status == ModelStatus::Champion));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_challenger_compared_with_a_replaced_champion_waits_for_an_admin() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "replaced").await;
    let db = open(&url).await;
    let ws = titan::accounts::create_workspace(&db, "Models", false)
        .await
        .unwrap();
    let first = registry::register(&db, &model(ws, 0.70, None))
        .await
        .unwrap();
    let second = registry::register(&db, &model(ws, 0.72, Some((first.id, 0.70))))
        .await
        .unwrap();
    assert_eq!(second.status, ModelStatus::Champion);
    // Trained while `first` was champion: beating `first` says nothing about
    // `second`, so it does not take over.
    let late = registry::register(&db, &model(ws, 0.71, Some((first.id, 0.70))))
        .await
        .unwrap();
    assert_eq!(late.status, ModelStatus::Challenger);
    assert_eq!(
        registry::champion(&db, ws, ModelKind::Ctr)
            .await
            .unwrap()
            .unwrap()
            .id,
        second.id
    );
    db.close().await;
}
