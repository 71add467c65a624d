//! The hook, CTR and ROAS models on the demo workspace exactly as `make run`
//! seeds it and its training job trains them, on a real database (SQLite, or PostgreSQL with
//! TITAN_TEST_POSTGRES_URL): they beat constant baselines on held-out creatives,
//! analysing a creative gives three versioned predictions that are logged and
//! scored on the Accuracy view, and a retrain that is no better stays challenger.

mod support;

use support::{database_url, open};
use titan::domain::creative::Outcome;
use titan::domain::features::FEATURE_SET_VERSION;
use titan::ml::champion_cache::ChampionCache;
use titan::ml::predict::CtrServing;
use titan::ml::prediction_log::PredictionLog;
use titan::ml::registry::{self, ModelKind, ModelStatus};

use titan::demo::DemoCredentials;
use titan::jobs::train_job::SPLIT_SEED;

/// Rows of `creatives` held out (and trained on) as training split them: by id.
fn held_out(creatives: &[&titan::domain::creative::Creative]) -> (Vec<usize>, Vec<usize>) {
    let ids: Vec<i64> = creatives.iter().map(|c| c.id).collect();
    titan::ml::train::split_by_key(&ids, SPLIT_SEED)
}

/// Seeds the demo workspace as a first start does and trains its models as its
/// `train_models` job does.
async fn seeded(db: &titan::db::Db) -> DemoCredentials {
    let demo = titan::demo::seed_if_empty(db)
        .await
        .unwrap()
        .expect("seeded");
    titan::demo_creatives::seed_history(db, demo.workspace_id)
        .await
        .unwrap();
    titan::ml::creative_models::train_all(
        db,
        demo.workspace_id,
        Some(demo.admin_id),
        titan::demo_creatives::DEMO_HOOK_PERCENTILE,
        SPLIT_SEED,
    )
    .await
    .unwrap();
    demo
}

#[tokio::test(flavor = "multi_thread")]
async fn seeded_demo_models_beat_constant_baselines_on_held_out_creatives() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&database_url(dir.path(), "demo_models").await).await;
    let demo = seeded(&db).await;
    let ws = demo.workspace_id;

    let hook = registry::champion(&db, ws, ModelKind::Hook)
        .await
        .unwrap()
        .expect("hook model");
    let auc = hook.metrics.auc.unwrap();
    // A constant score ranks nothing: its AUC is exactly 0.5 on any held-out set.
    let labels: Vec<bool> = (0..hook.metrics.test_rows).map(|i| i % 3 == 0).collect();
    let constant = titan::ml::metrics::auc(&vec![0.3; labels.len()], &labels).unwrap();
    assert_eq!(constant, 0.5);
    assert!(
        auc >= 0.75,
        "hook AUC {auc:.3} on held-out demo history, baseline {constant}"
    );
    assert_eq!(hook.feature_set, FEATURE_SET_VERSION);
    assert_eq!(hook.version_label(), "hook-v1");

    // CTR and ROAS: held-out MAE below predicting the training mean for everyone.
    let creatives = titan::creatives::list(&db, ws).await.unwrap();
    let history: Vec<_> = creatives.iter().filter(|c| c.features.is_some()).collect();
    assert_eq!(history.len(), titan::demo_creatives::HISTORY_CREATIVES);
    assert!(
        history
            .iter()
            .all(|c| c.is_demo && c.performance.days == 14)
    );
    let (train, test) = held_out(&history);
    for (kind, actual) in [
        (
            ModelKind::Ctr,
            history
                .iter()
                .map(|c| c.performance.ctr().unwrap())
                .collect::<Vec<_>>(),
        ),
        (
            ModelKind::Roas,
            history
                .iter()
                .map(|c| c.performance.roas().unwrap())
                .collect(),
        ),
    ] {
        let model = registry::champion(&db, ws, kind)
            .await
            .unwrap()
            .expect("model");
        let mean = train.iter().map(|&i| actual[i]).sum::<f64>() / train.len() as f64;
        let baseline =
            test.iter().map(|&i| (actual[i] - mean).abs()).sum::<f64>() / test.len() as f64;
        let mae = model.metrics.mae.unwrap();
        let coverage = model.metrics.interval_coverage.unwrap();
        println!(
            "{}: held-out MAE {mae:.4} vs constant {baseline:.4}, 80 % interval covers {coverage:.2}",
            model.version_label()
        );
        assert!(
            mae < 0.8 * baseline,
            "{}: MAE {mae} vs constant {baseline}",
            model.version_label()
        );
        assert!((0.6..=0.95).contains(&coverage), "coverage {coverage}");
    }
    println!(
        "hook-v1: held-out AUC {auc:.3} (constant 0.5) on {} creatives",
        hook.metrics.test_rows
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn analysing_creatives_logs_versioned_predictions_that_accuracy_scores() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&database_url(dir.path(), "analysis").await).await;
    let demo = seeded(&db).await;
    let ws = demo.workspace_id;
    let creatives = titan::creatives::list(&db, ws).await.unwrap();
    for creative in &creatives {
        let features = creative.features.clone().unwrap();
        let analysis =
            titan::ml::creative_models::analyze(&db, ws, creative, &features, Some(demo.admin_id))
                .await
                .unwrap();
        let (Outcome::Predicted(hook), Outcome::Predicted(ctr), Outcome::Predicted(roas)) =
            (&analysis.hook, &analysis.ctr, &analysis.roas)
        else {
            panic!("a model is missing: {analysis:?}");
        };
        assert_eq!(
            (
                hook.model_version.as_str(),
                ctr.model_version.as_str(),
                roas.model_version.as_str()
            ),
            ("hook-v1", "ctr-v1", "roas-v1")
        );
        assert!(["VIRAL", "STRONG", "WEAK"].contains(&hook.class.as_str()));
        assert!(ctr.low <= ctr.ctr && ctr.ctr <= ctr.high && ctr.high < 1.0);
        assert!(roas.low <= roas.roas && roas.roas <= roas.high);
        assert!(!hook.reasons.is_empty() && !ctr.reasons.is_empty() && !roas.reasons.is_empty());
        titan::creatives::set_analysis(&db, ws, creative.id, &analysis)
            .await
            .unwrap();
    }
    let stored = titan::creatives::get(&db, ws, creatives[0].id)
        .await
        .unwrap();
    assert!(stored.analysis.is_some(), "analysis kept with the creative");

    // Only the held-out creatives count: the rest were seen in training.
    let all: Vec<&titan::domain::creative::Creative> = creatives.iter().collect();
    let (trained, unseen) = held_out(&all);
    let accuracy = titan::ml::accuracy::per_model(&db, ws).await.unwrap();
    assert_eq!(accuracy.len(), 3, "{accuracy:?}");
    for a in &accuracy {
        assert_eq!(a.matched as usize, unseen.len(), "{a:?}");
        assert_eq!(a.seen_in_training as usize, trained.len(), "{a:?}");
        match a.kind {
            ModelKind::Hook => assert!(a.auc.unwrap() > 0.7, "{a:?}"),
            _ => assert!(
                a.mae.is_some() && a.rmse.is_some() && a.mape.unwrap() < 0.5,
                "{a:?}"
            ),
        }
    }

    // Analysing again counts each creative once per model.
    let again = titan::ml::creative_models::analyze(
        &db,
        ws,
        &creatives[0],
        creatives[0].features.as_ref().unwrap(),
        None,
    )
    .await
    .unwrap();
    assert!(again.hook.predicted().is_some());
    let accuracy = titan::ml::accuracy::per_model(&db, ws).await.unwrap();
    assert!(accuracy.iter().all(|a| a.matched as usize == unseen.len()));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_model_means_no_score_and_an_equal_retrain_stays_challenger() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&database_url(dir.path(), "no_model").await).await;
    let demo = seeded(&db).await;
    let creative = titan::creatives::list(&db, demo.workspace_id)
        .await
        .unwrap()
        .remove(0);

    let empty = titan::accounts::create_workspace(&db, "Empty", false)
        .await
        .unwrap();
    let analysis = titan::ml::creative_models::analyze(
        &db,
        empty,
        &creative,
        creative.features.as_ref().unwrap(),
        None,
    )
    .await
    .unwrap();
    for outcome in [
        analysis.hook.predicted().map(|_| ()),
        analysis.ctr.predicted().map(|_| ()),
        analysis.roas.predicted().map(|_| ()),
    ] {
        assert!(outcome.is_none(), "no model, no score: {analysis:?}");
    }
    assert!(
        matches!(&analysis.hook, Outcome::Unavailable(why) if why.contains("no hook model yet"))
    );
    let err = titan::ml::creative_models::train_all(&db, empty, None, 0.7, 1)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at least 50"), "{err}");

    // The same data and split give the same scores: not better, so not promoted.
    let again =
        titan::ml::creative_models::train_all(&db, demo.workspace_id, None, 0.7, SPLIT_SEED)
            .await
            .unwrap();
    for m in [&again.hook, &again.ctr, &again.roas] {
        assert_eq!(m.version, 2);
        assert_eq!(m.status, ModelStatus::Challenger, "{}", m.version_label());
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ctr_model_from_an_export_serves_beside_the_creative_ctr_model() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&database_url(dir.path(), "export_beside").await).await;
    let demo = seeded(&db).await;
    let ws = demo.workspace_id;
    let creative_ctr = registry::champion(&db, ws, ModelKind::Ctr)
        .await
        .unwrap()
        .expect("creative CTR model");

    // An export where a high CPM makes a click likelier.
    let mut csv = String::from("click,cpm,placement\n");
    for i in 0..400 {
        let cpm = (i % 20) as f64;
        let click = u8::from((i * 7919) % 100 < 5 + 2 * (i % 20));
        let placement = ["feed", "reels", "stories"][i % 3];
        csv.push_str(&format!("{click},{cpm},{placement}\n"));
    }
    let export = titan::ml::train::train_ctr_from_csv(&db, ws, None, csv.as_bytes(), SPLIT_SEED)
        .await
        .unwrap();
    assert_eq!(export.kind, ModelKind::CtrExport);
    assert_eq!(export.version_label(), "ctr_export-v1");
    assert_eq!(
        export.status,
        ModelStatus::Champion,
        "the first export model serves at once"
    );
    let still = registry::champion(&db, ws, ModelKind::Ctr)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.id, creative_ctr.id, "the Studio keeps its CTR model");

    let creative = titan::creatives::list(&db, ws).await.unwrap().remove(0);
    let analysis = titan::ml::creative_models::analyze(
        &db,
        ws,
        &creative,
        creative.features.as_ref().unwrap(),
        None,
    )
    .await
    .unwrap();
    assert!(analysis.ctr.predicted().is_some(), "{analysis:?}");
    let row = [
        ("cpm".to_owned(), "18".to_owned()),
        ("placement".to_owned(), "reels".to_owned()),
    ];
    // Served from memory for an hour, unless the registry changes.
    let (log, writer) = PredictionLog::start(db.clone(), 16);
    let serving = CtrServing {
        champions: ChampionCache::new(std::time::Duration::from_secs(3600)),
        log,
    };
    let predict = || titan::ml::predict::predict_ctr(&db, &serving, ws, None, &row);
    let scored = predict().await.unwrap();
    assert_eq!(scored.model_version, "ctr_export-v1");
    assert_eq!(
        predict().await.unwrap(),
        scored,
        "the same model from memory"
    );

    // A second export model, promoted: the next prediction uses it, then the
    // rollback's model.
    let second =
        titan::ml::train::train_ctr_from_csv(&db, ws, None, csv.as_bytes(), SPLIT_SEED + 1)
            .await
            .unwrap();
    let admin = titan::domain::SessionUser {
        id: 0,
        workspace_id: ws,
        workspace_name: "Demo".into(),
        email: "admin@example.com".into(),
        role: titan::domain::Role::Admin,
    };
    registry::promote(&db, &admin, second.id).await.unwrap();
    assert_eq!(predict().await.unwrap().model_version, "ctr_export-v2");
    registry::rollback(&db, &admin, ModelKind::CtrExport)
        .await
        .unwrap();
    assert_eq!(predict().await.unwrap().model_version, "ctr_export-v1");

    // Every answer's log row is written by the time the log is closed.
    writer.close().await;
    let logged: Vec<(String, f64)> = titan::on_pool!(&db, pool => sqlx::query_as(
        "SELECT model_version, predicted FROM predictions WHERE kind = 'ctr_export' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    let versions: Vec<&str> = logged.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(
        versions,
        [
            "ctr_export-v1",
            "ctr_export-v1",
            "ctr_export-v2",
            "ctr_export-v1"
        ]
    );
    assert_eq!(logged[0].1, scored.ctr);
    let counts = serving.log.counts();
    assert_eq!(counts.written.load(std::sync::atomic::Ordering::Relaxed), 4);
    assert_eq!(counts.dropped.load(std::sync::atomic::Ordering::Relaxed), 0);
    // After the close, a row is refused and counted, never silently lost.
    predict().await.unwrap();
    assert_eq!(counts.dropped.load(std::sync::atomic::Ordering::Relaxed), 1);
    db.close().await;
}
