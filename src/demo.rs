//! The demo workspace `make run` starts with on an empty database: an admin, a
//! marketer and a few campaigns (then [`crate::demo_creatives`] adds its
//! creatives), all marked as demo so they can be
//! told apart from real data and removed. Accounts and campaigns are written in
//! one transaction: a crash half-way leaves no half-seeded workspace behind.

use crate::accounts::password::hash_password;
use crate::accounts::users::count_users;
use crate::db::{Db, now};
use crate::domain::campaign::platforms_to_codes;
use crate::domain::{CampaignDraft, CampaignStatus, Role};
use crate::error::Result;
use crate::in_transaction;
use rand::Rng;
use rand::distributions::Alphanumeric;

/// Sign-in details of the seeded accounts, printed once at first start.
#[derive(Clone, Debug)]
pub struct DemoCredentials {
    pub admin_email: String,
    pub admin_password: String,
    pub marketer_email: String,
    pub marketer_password: String,
    pub workspace_id: i64,
    pub admin_id: i64,
}

pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.titan.local";
pub const DEMO_MARKETER_EMAIL: &str = "marketer@demo.titan.local";

fn random_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// One demo campaign as a person would type it, and the status it ends in.
struct DemoCampaign {
    name: &'static str,
    objective: &'static str,
    budget: &'static str,
    currency: &'static str,
    platforms: &'static [&'static str],
    niche: &'static str,
    status: CampaignStatus,
}

const DEMO_CAMPAIGNS: &[DemoCampaign] = &[
    DemoCampaign {
        name: "Summer shred challenge",
        objective: "leads",
        budget: "150",
        currency: "USD",
        platforms: &["meta", "tiktok"],
        niche: "fitness",
        status: CampaignStatus::Active,
    },
    DemoCampaign {
        name: "Flash sale: running shoes",
        objective: "sales",
        budget: "420.50",
        currency: "USD",
        platforms: &["meta", "google"],
        niche: "ecommerce",
        status: CampaignStatus::Paused,
    },
    DemoCampaign {
        name: "Free coding webinar",
        objective: "leads",
        budget: "80",
        currency: "EUR",
        platforms: &["youtube"],
        niche: "education",
        status: CampaignStatus::Draft,
    },
    DemoCampaign {
        name: "Budgeting app launch",
        objective: "traffic",
        budget: "1200",
        currency: "GBP",
        platforms: &["tiktok", "youtube", "google"],
        niche: "finance",
        status: CampaignStatus::Active,
    },
];

/// Seeds the demo workspace when the database has no accounts at all; returns the
/// credentials it created, or `None` when accounts already exist.
pub async fn seed_if_empty(db: &Db) -> Result<Option<DemoCredentials>> {
    if count_users(db).await? > 0 {
        return Ok(None);
    }
    let (admin_password, marketer_password) = (random_password(), random_password());
    let accounts = [
        (
            DEMO_ADMIN_EMAIL,
            hash_password(admin_password.clone()).await?,
            Role::Admin,
        ),
        (
            DEMO_MARKETER_EMAIL,
            hash_password(marketer_password.clone()).await?,
            Role::Marketer,
        ),
    ];
    let mut drafts = Vec::new();
    for c in DEMO_CAMPAIGNS {
        let platforms: Vec<String> = c.platforms.iter().map(|p| p.to_string()).collect();
        let draft = CampaignDraft::parse(
            c.name,
            c.objective,
            c.budget,
            c.currency,
            &platforms,
            c.niche,
        )?;
        drafts.push((draft, c.status));
    }
    let at = now();
    let (workspace_id, admin_id) = in_transaction!(db, tx => {
        let workspace_id: i64 = sqlx::query_scalar(
            "INSERT INTO workspaces (name, is_demo, created_at) VALUES ($1, TRUE, $2) RETURNING id",
        )
        .bind("Demo workspace")
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let mut admin_id = 0;
        for (email, hash, role) in &accounts {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (workspace_id, email, password_hash, role, is_demo, created_at) \
                 VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id",
            )
            .bind(workspace_id)
            .bind(*email)
            .bind(hash)
            .bind(role.as_str())
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            if *role == Role::Admin {
                admin_id = id;
            }
        }
        for (draft, status) in &drafts {
            sqlx::query(
                "INSERT INTO campaigns (workspace_id, name, objective, daily_budget_cents, currency, \
                 platforms, niche, status, is_demo, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $9)",
            )
            .bind(workspace_id)
            .bind(&draft.name)
            .bind(draft.objective.as_str())
            .bind(draft.daily_budget.cents())
            .bind(draft.daily_budget.currency().code())
            .bind(platforms_to_codes(&draft.platforms))
            .bind(draft.niche.as_str())
            .bind(status.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        (workspace_id, admin_id)
    });
    tracing::info!(workspace_id, "demo workspace seeded");
    Ok(Some(DemoCredentials {
        admin_email: DEMO_ADMIN_EMAIL.into(),
        admin_password,
        marketer_email: DEMO_MARKETER_EMAIL.into(),
        marketer_password,
        workspace_id,
        admin_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbOptions;

    #[tokio::test]
    async fn seeds_once_with_working_accounts() {
        let dir = std::env::temp_dir().join(format!("titan-demo-{}", std::process::id()));
        let db = Db::connect(&DbOptions {
            url: format!("sqlite:{}/t.db", dir.display()),
            max_connections: 2,
            acquire_timeout: std::time::Duration::from_secs(5),
        })
        .await
        .unwrap();
        db.migrate().await.unwrap();
        let creds = seed_if_empty(&db).await.unwrap().expect("seeded");
        assert!(seed_if_empty(&db).await.unwrap().is_none(), "seeded twice");
        let user = crate::accounts::authenticate(
            &db,
            &crate::accounts::SignIn::default(),
            &creds.marketer_email,
            creds.marketer_password.clone(),
            "127.0.0.1",
        )
        .await
        .unwrap();
        assert_eq!(user.role, Role::Marketer);
        let campaigns = crate::campaigns::list(&db, user.workspace_id, true)
            .await
            .unwrap();
        assert_eq!(campaigns.len(), DEMO_CAMPAIGNS.len());
        assert!(campaigns.iter().all(|c| c.is_demo));
        db.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
