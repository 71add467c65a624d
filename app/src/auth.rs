//! Sign-in and sign-out: server functions and the login page.

use crate::error::AppResult;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use titan::domain::SessionUser;

/// Where to go after signing in: only a path on this site, never another origin.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
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
        titan::accounts::authenticate(&state.db, state.login_limits, &email, password, &ip).await?;
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

/// The signed-in user.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn current_user() -> AppResult<SessionUser> {
    crate::guard::require_user()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let query = use_query_map();
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
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/login"), "/");
    }
}
