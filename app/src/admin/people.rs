//! Server functions for a workspace's people. Each parses its form fields into
//! typed values (a refusal names the field) and makes one core call with the
//! signed-in user; who may do what, and in which workspace, is decided in
//! `titan::accounts::people`.

use crate::error::AppResult;
use leptos::prelude::*;
use titan::domain::{SetPasswordLink, UserSummary};

/// The id of the person acted on, from a form field.
#[cfg(feature = "ssr")]
fn parse_user_id(value: &str) -> AppResult<i64> {
    use titan::validation::FieldErrors;
    match value.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(crate::AppError::Invalid(FieldErrors::single(
            "user_id",
            "must be the id of a person of this workspace",
        ))),
    }
}

/// The people of the admin's workspace. Admin only: a marketer gets 403.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users() -> AppResult<Vec<UserSummary>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(titan::accounts::people::list(&state()?.db, &user).await?)
}

/// Adds a person to the admin's workspace; answers with the one-time link through
/// which they choose their password.
#[server(prefix = "/api", endpoint = "admin/users/add")]
pub async fn add_user(
    #[server(default)] email: String,
    #[server(default)] role: String,
) -> AppResult<SetPasswordLink> {
    use crate::guard::{require_user, state};
    use titan::domain::{Email, Role};
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let mut errors = FieldErrors::new();
    let email = errors.collect(Email::parse(&email));
    let role = errors.collect(Role::parse(&role));
    match (email, role) {
        (Some(email), Some(role)) if errors.is_empty() => {
            let made = titan::accounts::people::add(&state()?.db, &user, &email, role).await?;
            crate::guard::flash(NEW_LINK, &made, "/admin").await?;
            Ok(made)
        }
        _ => Err(titan::Error::Invalid(errors).into()),
    }
}

/// Gives a person of the admin's workspace another role. The last active admin
/// cannot be made a marketer.
#[server(prefix = "/api", endpoint = "admin/users/role")]
pub async fn change_role(
    #[server(default)] user_id: String,
    #[server(default)] role: String,
) -> AppResult<UserSummary> {
    use crate::guard::{require_user, state};
    use titan::domain::Role;
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let mut errors = FieldErrors::new();
    let id = match parse_user_id(&user_id) {
        Ok(id) => Some(id),
        Err(crate::AppError::Invalid(e)) => {
            errors.0.extend(e.0);
            None
        }
        Err(other) => return Err(other),
    };
    let role = errors.collect(Role::parse(&role));
    match (id, role) {
        (Some(id), Some(role)) if errors.is_empty() => {
            Ok(titan::accounts::people::change_role(&state()?.db, &user, id, role).await?)
        }
        _ => Err(titan::Error::Invalid(errors).into()),
    }
}

/// Stops a person of the admin's workspace from signing in; their open pages are
/// signed out on their next request.
#[server(prefix = "/api", endpoint = "admin/users/deactivate")]
pub async fn deactivate_user(#[server(default)] user_id: String) -> AppResult<UserSummary> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let id = parse_user_id(&user_id)?;
    Ok(titan::accounts::people::deactivate(&state()?.db, &user, id).await?)
}

/// Lets a deactivated person of the admin's workspace sign in again.
#[server(prefix = "/api", endpoint = "admin/users/reactivate")]
pub async fn reactivate_user(#[server(default)] user_id: String) -> AppResult<UserSummary> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let id = parse_user_id(&user_id)?;
    Ok(titan::accounts::people::reactivate(&state()?.db, &user, id).await?)
}

/// Replaces a person's password with one nobody knows and answers with a new
/// one-time link to choose another.
#[server(prefix = "/api", endpoint = "admin/users/reset-password")]
pub async fn reset_password(#[server(default)] user_id: String) -> AppResult<SetPasswordLink> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let id = parse_user_id(&user_id)?;
    let made = titan::accounts::people::reset_password(&state()?.db, &user, id).await?;
    crate::guard::flash(NEW_LINK, &made, "/admin").await?;
    Ok(made)
}

/// The session key of a set-password link made by the last form post.
#[cfg(feature = "ssr")]
const NEW_LINK: &str = "flash.set_password_link";

/// The set-password link the admin's last form post made, once (then it is gone).
#[server(prefix = "/api", endpoint = "admin/users/new-link")]
pub async fn take_new_link() -> AppResult<Option<SetPasswordLink>> {
    crate::guard::require_admin()?;
    crate::guard::take_flash(NEW_LINK).await
}
