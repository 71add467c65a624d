//! What the benchmarks share: the generated training export, and a workspace
//! with an admin, a campaign and an experiment running on five creatives.
// Each benchmark uses some of these, not all.
#![allow(dead_code)]

use titan::accounts::{Actor, NewUser, create_user, create_workspace, find_session_user};
use titan::db::Db;
use titan::domain::experiment::ExperimentForm;
use titan::domain::{Email, Role, SessionUser};

/// Numeric columns of the generated export.
pub const FEATURES: usize = 30;

/// An export of `rows` impressions with [`FEATURES`] numeric columns, where the
/// first ten move the click rate (a fixed seed: every run trains the same).
pub fn export(rows: usize) -> String {
    let mut csv = String::from("click");
    for j in 0..FEATURES {
        csv.push_str(&format!(",f{j}"));
    }
    csv.push('\n');
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..rows {
        let values: Vec<f64> = (0..FEATURES).map(|_| uniform() * 2.0 - 1.0).collect();
        let logit = -3.0 + values[..10].iter().sum::<f64>() * 0.4;
        let click = u8::from(uniform() < 1.0 / (1.0 + (-logit).exp()));
        csv.push_str(&click.to_string());
        for v in values {
            csv.push_str(&format!(",{v:.4}"));
        }
        csv.push('\n');
    }
    csv
}

/// A workspace "Bench" and its admin `email`.
pub async fn workspace_with_admin(db: &Db, email: &str, password: &str) -> (i64, SessionUser) {
    let ws = create_workspace(db, "Bench", false)
        .await
        .expect("workspace");
    let admin_id = create_user(
        db,
        NewUser {
            workspace_id: ws,
            email: Email::parse(email).expect("email"),
            password: password.into(),
            role: Role::Admin,
            is_demo: false,
        },
    )
    .await
    .expect("user");
    let admin = find_session_user(db, admin_id)
        .await
        .expect("user")
        .expect("user");
    (ws, admin)
}

/// An experiment running on five creatives of a new campaign.
pub struct BenchExperiment {
    pub id: i64,
    /// Its first arm.
    pub arm: i64,
    pub creatives: Vec<i64>,
}

/// An experiment of `admin`, running on five creatives of a new campaign of
/// workspace `ws`.
pub async fn running_experiment(db: &Db, ws: i64, admin: &SessionUser) -> BenchExperiment {
    let draft = titan::domain::CampaignDraft::parse(
        "Bench",
        "leads",
        "100",
        "USD",
        &["meta".into()],
        "fitness",
    )
    .expect("campaign");
    let campaign = titan::campaigns::create(db, ws, &draft, false)
        .await
        .expect("campaign");
    let mut creatives = Vec::new();
    for i in 0..5 {
        let id: i64 = titan::on_pool!(db, pool => sqlx::query_scalar(
            "INSERT INTO creatives (workspace_id, campaign_id, name, hook_text, cta_text, platform, placement, created_at) \
             VALUES ($1, $2, $3, 'Hook', 'Join', 'meta', 'feed', $4) RETURNING id")
            .bind(ws).bind(campaign.id).bind(format!("Creative {i}")).bind(titan::db::now())
            .fetch_one(pool).await.expect("creative"));
        creatives.push(id);
    }
    let experiments = titan::experiments::Experiments::new(db.clone());
    let actor = Actor::User(admin.clone());
    let form = ExperimentForm {
        campaign_id: campaign.id,
        name: "Bench".into(),
        metric: "click".into(),
        creative_ids: creatives.clone(),
        ..Default::default()
    };
    let id = experiments.create(&actor, &form).await.expect("experiment");
    let detail = experiments.start(&actor, id).await.expect("start");
    BenchExperiment {
        id,
        arm: detail.arms[0].arm_id,
        creatives,
    }
}
