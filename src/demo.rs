//! The demo workspace `make run` starts with on an empty database: an admin, a
//! marketer and a few campaigns, all marked as demo so they can be told apart from
//! real data and removed.

use crate::accounts::users::count_users;
use crate::accounts::{NewUser, create_user, create_workspace};
use crate::campaigns;
use crate::db::Db;
use crate::domain::{CampaignDraft, Email, Role, StatusChange};
use crate::error::{Error, Result};
use rand::Rng;
use rand::distributions::Alphanumeric;

/// Sign-in details of the seeded accounts, printed once at first start.
#[derive(Clone, Debug)]
pub struct DemoCredentials {
    pub admin_email: String,
    pub admin_password: String,
    pub marketer_email: String,
    pub marketer_password: String,
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

/// (name, objective, budget, currency, platforms, niche, lifecycle changes to apply)
type DemoCampaign = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [StatusChange],
);

const DEMO_CAMPAIGNS: &[DemoCampaign] = &[
    (
        "Summer shred challenge",
        "leads",
        "150",
        "USD",
        &["meta", "tiktok"],
        "fitness",
        &[StatusChange::Launch],
    ),
    (
        "Flash sale: running shoes",
        "sales",
        "420.50",
        "USD",
        &["meta", "google"],
        "ecommerce",
        &[StatusChange::Launch, StatusChange::Pause],
    ),
    (
        "Free coding webinar",
        "leads",
        "80",
        "EUR",
        &["youtube"],
        "education",
        &[],
    ),
    (
        "Budgeting app launch",
        "traffic",
        "1200",
        "GBP",
        &["tiktok", "youtube", "google"],
        "finance",
        &[StatusChange::Launch],
    ),
];

/// Seeds the demo workspace when the database has no accounts at all; returns the
/// credentials it created, or `None` when accounts already exist.
pub async fn seed_if_empty(db: &Db) -> Result<Option<DemoCredentials>> {
    if count_users(db).await? > 0 {
        return Ok(None);
    }
    let workspace_id = create_workspace(db, "Demo workspace", true).await?;
    let credentials = DemoCredentials {
        admin_email: DEMO_ADMIN_EMAIL.into(),
        admin_password: random_password(),
        marketer_email: DEMO_MARKETER_EMAIL.into(),
        marketer_password: random_password(),
    };
    for (email, password, role) in [
        (
            &credentials.admin_email,
            &credentials.admin_password,
            Role::Admin,
        ),
        (
            &credentials.marketer_email,
            &credentials.marketer_password,
            Role::Marketer,
        ),
    ] {
        let email = Email::parse(email).map_err(|e| Error::Internal(e.message))?;
        create_user(
            db,
            NewUser {
                workspace_id,
                email,
                password: password.clone(),
                role,
                is_demo: true,
            },
        )
        .await?;
    }
    for (name, objective, budget, currency, platforms, niche, changes) in DEMO_CAMPAIGNS {
        let platforms: Vec<String> = platforms.iter().map(|p| p.to_string()).collect();
        let draft = CampaignDraft::parse(name, objective, budget, currency, &platforms, niche)?;
        let campaign = campaigns::create(db, workspace_id, &draft, true).await?;
        for change in *changes {
            campaigns::change_status(db, workspace_id, campaign.id, *change).await?;
        }
    }
    tracing::info!(workspace_id, "demo workspace seeded");
    Ok(Some(credentials))
}
