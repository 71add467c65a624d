//! What every server function may need from the server, provided as context by the
//! server crate when it mounts the Leptos routes and server functions.

use titan::accounts::SignIn;
use titan::api_keys::ApiKeys;
use titan::db::Db;
use titan::experiments::Experiments;
use titan::integrations::Integrations;
use titan::jobs::service::Jobs;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    /// Sign-in limits and the count of password checks.
    pub sign_in: SignIn,
    pub jobs: Jobs,
    pub experiments: Experiments,
    pub api_keys: ApiKeys,
    /// HubSpot, the conversions webhook, IP storage and stage values.
    pub integrations: Integrations,
    /// Champion models in memory and the prediction log.
    pub ctr: titan::ml::predict::CtrServing,
}
