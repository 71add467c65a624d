//! Server functions for a workspace's API keys. Who may manage keys (the
//! workspace's admins) is decided in `titan::api_keys`.

use crate::error::AppResult;
use leptos::prelude::*;
use titan::domain::api_key::{ApiKeyInfo, IssuedApiKey};

/// The API keys of the admin's workspace, revoked ones included.
#[server(prefix = "/api", endpoint = "admin/api-keys")]
pub async fn list_api_keys() -> AppResult<Vec<ApiKeyInfo>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(titan::api_keys::list(&state()?.db, &user).await?)
}

/// Creates a key; the answer holds the whole key, which is never shown again.
#[server(prefix = "/api", endpoint = "admin/api-keys/create")]
pub async fn create_api_key(
    #[server(default)] name: String,
    #[server(default)] scopes: Vec<String>,
) -> AppResult<IssuedApiKey> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let issued = titan::api_keys::create(&state()?.db, &user, &name, &scopes).await?;
    crate::guard::flash(NEW_KEY, &issued, "/admin").await?;
    Ok(issued)
}

/// The session key of an API key made by the last form post.
#[cfg(feature = "ssr")]
const NEW_KEY: &str = "flash.api_key";

/// The API key the admin's last form post made, once (then it is gone).
#[server(prefix = "/api", endpoint = "admin/api-keys/new")]
pub async fn take_new_key() -> AppResult<Option<IssuedApiKey>> {
    crate::guard::require_admin()?;
    crate::guard::take_flash(NEW_KEY).await
}

/// Revokes a key of the admin's workspace; it stops working at once.
#[server(prefix = "/api", endpoint = "admin/api-keys/revoke")]
pub async fn revoke_api_key(#[server(default)] key_id: String) -> AppResult<()> {
    use crate::guard::{require_user, state};
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let id = key_id.trim().parse::<i64>().map_err(|_| {
        titan::Error::Invalid(FieldErrors::single(
            "key_id",
            "must be the id of a key of this workspace",
        ))
    })?;
    Ok(state()?.api_keys.revoke(&user, id).await?)
}
