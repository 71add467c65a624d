//! The public page behind a one-time link: a person added (or reset) by their
//! workspace's admin chooses a password here, then signs in. Reachable signed
//! out; the token in the link is the only credential, checked in the core.

use crate::error::AppResult;
use crate::ui::{FieldMessage, FormError};
use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the password of the account a one-time link was made for, and uses the
/// link up. Public: the token is the credential. Then on to the sign-in page.
#[server(prefix = "/api", endpoint = "auth/set-password")]
pub async fn set_password(
    #[server(default)] token: String,
    #[server(default)] password: String,
    #[server(default)] confirm: String,
) -> AppResult<()> {
    use crate::guard::state;
    use titan::validation::FieldErrors;
    if password != confirm {
        return Err(titan::Error::Invalid(FieldErrors::single(
            "confirm",
            "must repeat the password exactly",
        ))
        .into());
    }
    let user_id = titan::accounts::tokens::redeem(&state()?.db, &token, password).await?;
    tracing::info!(user_id, "password set through a one-time link");
    leptos_axum::redirect("/login?password=set");
    Ok(())
}

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let action = ServerAction::<SetPassword>::new();
    let query = crate::query::use_query();
    let token = move || query.read().get("token").unwrap_or_default();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Choose a password" />
        <main class="flex min-h-screen items-center justify-center px-4">
            <div class="w-full max-w-sm rounded-xl bg-white p-8 shadow">
                <h1 class="mb-1 text-2xl font-semibold">"Choose a password"</h1>
                <p class="mb-6 text-sm text-slate-500">
                    "At least 10 characters. This link works once; afterwards, sign in with your email and this password."
                </p>
                <ActionForm action=action>
                    <input type="hidden" name="token" value=token />
                    <FieldMessage error field="token" />
                    <label class="mb-4 block text-sm font-medium">
                        "New password"
                        <input
                            type="password"
                            name="password"
                            required
                            autocomplete="new-password"
                            class="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
                        />
                        <FieldMessage error field="password" />
                    </label>
                    <label class="mb-4 block text-sm font-medium">
                        "Repeat it"
                        <input
                            type="password"
                            name="confirm"
                            required
                            autocomplete="new-password"
                            class="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
                        />
                        <FieldMessage error field="confirm" />
                    </label>
                    <FormError error />
                    <button
                        type="submit"
                        class="w-full rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
                    >
                        "Set password"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
