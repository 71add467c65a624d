//! Sign-in and sign-out (here, or on every device), changing one's password:
//! server functions and the login page.

use crate::error::AppResult;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::SessionUser;

/// Longest `next` kept; anything longer is no page of Titan's.
const MAX_NEXT_LEN: usize = 2048;

/// Where to go after signing in: only a path on this site, never another origin.
/// Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\t/evil`
/// or `/\evil` would become `//evil` (another host): a path with any control
/// character, whitespace or backslash, or starting with `//`, is refused, and so
/// is anything not starting with `/` (a scheme or a host). Refused: `/`.
pub fn safe_next(next: &str) -> &str {
    let local = next.len() <= MAX_NEXT_LEN
        && next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if local && next != "/login" { next } else { "/" }
}

/// Signs in with email and password; a wrong pair and an unknown email get the same
/// answer, and repeated failures are rate limited per IP and per account.
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] next: String,
) -> AppResult<()> {
    use crate::guard::{USER_ID_KEY, client_ip, internal, session, state};
    let state = state()?;
    let ip = client_ip();
    let user =
        titan::accounts::authenticate(&state.db, &state.sign_in, &email, password, &ip).await?;
    let session = session().await?;
    // A new id at sign-in, so a session id planted before sign-in is worthless.
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(internal)?;
    tracing::info!(user_id = user.id, ip, "signed in");
    leptos_axum::redirect(safe_next(&next));
    Ok(())
}

/// Ends the session everywhere it is stored.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> AppResult<()> {
    use crate::guard::{internal, require_user, session};
    let user = require_user()?;
    session().await?.flush().await.map_err(internal)?;
    tracing::info!(user_id = user.id, "signed out");
    leptos_axum::redirect("/login");
    Ok(())
}

/// Ends every session of the signed-in user, on every device, this one included.
#[server(prefix = "/api", endpoint = "auth/logout-everywhere")]
pub async fn logout_everywhere() -> AppResult<()> {
    use crate::guard::{internal, require_user, session, state};
    let user = require_user()?;
    let state = state()?;
    titan::accounts::end_sessions_of_user(&state.db, user.id, None).await?;
    // This one is gone from the store; clear it here too so no cookie stays behind.
    session().await?.flush().await.map_err(internal)?;
    tracing::info!(user_id = user.id, "signed out everywhere");
    leptos_axum::redirect("/login");
    Ok(())
}

/// Changes the signed-in user's password after checking the current one (under the
/// sign-in limits); every other session of theirs ends, this one stays.
#[server(prefix = "/api", endpoint = "auth/change-password")]
pub async fn change_password(
    #[server(default)] current_password: String,
    #[server(default)] new_password: String,
) -> AppResult<()> {
    use crate::error::AppError;
    use crate::guard::{client_ip, require_user, session, state};
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let state = state()?;
    let ip = client_ip();
    match titan::accounts::confirm_password(
        &state.db,
        &state.sign_in,
        &user.email,
        user.id,
        current_password,
        &ip,
    )
    .await
    {
        Ok(()) => {}
        Err(titan::Error::InvalidCredentials) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "current_password",
                "is not your current password",
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let keep = session().await?.id().map(|id| id.to_string());
    titan::accounts::users::change_password(&state.db, user.id, new_password, keep.as_deref())
        .await?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    // A form posted by the page itself comes back to say so.
    leptos_axum::redirect("/account?password=changed");
    Ok(())
}

/// The signed-in user.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn current_user() -> AppResult<SessionUser> {
    crate::guard::require_user()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let query = crate::query::use_query();
    let next = move || query.read().get("next").unwrap_or_default();
    let password_set = move || query.read().get("password").as_deref() == Some("set");
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Sign in" />
        <main class="flex min-h-screen items-center justify-center px-4">
            <div class="w-full max-w-sm rounded-xl bg-white p-8 shadow">
                <h1 class="mb-1 text-2xl font-semibold">"Titan"</h1>
                <p class="mb-6 text-sm text-slate-500">"Sign in to score, test and render your ads."</p>
                {move || password_set().then(|| view! {
                    <p role="status" class="mb-4 rounded bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="password-set">
                        "Your password is set. Sign in with it."
                    </p>
                })}
                <ActionForm action=action>
                    <input type="hidden" name="next" value=next />
                    <label class="mb-4 block text-sm font-medium">
                        "Email"
                        <input
                            type="email"
                            name="email"
                            required
                            autocomplete="username"
                            class="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
                        />
                    </label>
                    <label class="mb-4 block text-sm font-medium">
                        "Password"
                        <input
                            type="password"
                            name="password"
                            required
                            autocomplete="current-password"
                            class="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
                        />
                    </label>
                    <FormError error />
                    <button
                        type="submit"
                        class="w-full rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
                    >
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/campaigns"), "/campaigns");
        assert_eq!(
            safe_next("/campaigns/7?tab=results#top"),
            "/campaigns/7?tab=results#top"
        );
        assert_eq!(safe_next("/"), "/");
        let hostile = [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{3000}/evil.example",
            "/campaigns\\..\\..\\evil",
            "/x\ny: injected-header",
            "",
            "/login",
        ];
        for next in hostile {
            assert_eq!(safe_next(next), "/", "{next:?} was let through");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(5000))), "/");
    }
}
