//! The signed-in person's own account: changing their password. Doing so ends
//! their sessions on every other device; this one stays signed in.

use crate::auth::ChangePassword;
use crate::ui::{FieldMessage, FormError};
use leptos::prelude::*;
use leptos_meta::Title;

const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 bg-white px-3 py-2";

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    // The page is server-rendered: a change comes back as `?password=changed`.
    let query = crate::query::use_query();
    let done = move || {
        error.get().is_none()
            && (matches!(action.value().get(), Some(Ok(())))
                || query.read().get_str("password") == Some("changed"))
    };
    view! {
        <Title text="Your account" />
        <h1 class="mb-6 text-2xl font-semibold">"Your account"</h1>
        <section class="max-w-md rounded-xl bg-white p-6 shadow">
            <h2 class="mb-1 text-lg font-medium">"Change password"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "You stay signed in here; every other device and browser is signed out."
            </p>
            <ActionForm action=action>
                <label class="mb-4 block text-sm font-medium">
                    "Current password"
                    <input
                        type="password"
                        name="current_password"
                        required
                        autocomplete="current-password"
                        class=INPUT
                    />
                    <FieldMessage error field="current_password" />
                </label>
                <label class="mb-4 block text-sm font-medium">
                    "New password"
                    <input
                        type="password"
                        name="new_password"
                        required
                        minlength="10"
                        autocomplete="new-password"
                        class=INPUT
                    />
                    <FieldMessage error field="new_password" />
                </label>
                <FormError error />
                <Show when=done>
                    <p role="status" class="mb-4 rounded bg-green-50 px-3 py-2 text-sm text-green-700">
                        "Password changed. Your other sessions have ended."
                    </p>
                </Show>
                <button
                    type="submit"
                    class="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
                >
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}
