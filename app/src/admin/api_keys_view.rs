//! The API keys section of the Admin page: create a key with its scopes (shown
//! once), see each key's prefix, scopes and last use, revoke one. Server-rendered
//! plain forms; a key just made comes back in the session, once, never in the
//! address.

use super::api_keys::{CreateApiKey, RevokeApiKey, list_api_keys, take_new_key};
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use titan::domain::api_key::{ApiKeyInfo, Scope};

fn when(unix: Option<i64>) -> String {
    unix.and_then(titan::domain::minute_utc)
        .unwrap_or_else(|| "never".to_owned())
}

#[component]
pub fn ApiKeysSection() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(|| (), |_| list_api_keys());
    let issued = Resource::new(|| (), |_| take_new_key());
    let create_error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(|r| r.err()));
    view! {
        <section class="mt-6 rounded-xl bg-white p-6 shadow-sm" data-testid="api-keys">
            <h2 class="mb-1 text-lg font-semibold">"API keys"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "Keys let a script or an ad server use the REST API (/api/v1) for this workspace. A key is shown once; only its prefix is kept in view."
            </p>
            <ActionForm action=create attr:class="mb-4 flex flex-wrap items-start gap-4 text-sm">
                <label class="block">
                    "Name"
                    <input
                        name="name"
                        required
                        placeholder="e.g. landing-page server"
                        class="mt-1 block w-64 max-w-full rounded border border-slate-300 px-3 py-1.5"
                    />
                    <FieldMessage error=create_error field="name" />
                </label>
                <fieldset class="block">
                    <legend>"Scopes"</legend>
                    {Scope::ALL
                        .into_iter()
                        .enumerate()
                        .map(|(i, scope)| {
                            view! {
                                <label class="mt-1 flex items-center gap-2" title=scope.explain()>
                                    <input type="checkbox" name=format!("scopes[{i}]") value=scope.as_str() />
                                    <span class="font-mono">{scope.as_str()}</span>
                                    <span class="text-slate-500">{scope.explain()}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                    <FieldMessage error=create_error field="scopes" />
                </fieldset>
                <button
                    type="submit"
                    class="mt-5 rounded bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500"
                >
                    "Create key"
                </button>
            </ActionForm>
            <FormError error=create_error />
            <Suspense>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    issued.await.map(|found| found.map(|made| {
                        view! {
                            <div class="mb-4 rounded border border-emerald-200 bg-emerald-50 p-4 text-sm" role="status">
                                <p class="mb-2">
                                    "Copy the key for " <strong>{made.key.name.clone()}</strong>
                                    " now: it is not shown again."
                                </p>
                                <input
                                    readonly
                                    class="w-full rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs"
                                    data-testid="new-api-key"
                                    value=made.secret.clone()
                                />
                            </div>
                        }
                    }))
                })}
                </ErrorBoundary>
            </Suspense>
            <FormError error=revoke_error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        keys.await.map(|list| view! { <KeysTable list revoke /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn KeysTable(list: Vec<ApiKeyInfo>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="text-sm text-slate-500">"No keys yet. Create one above for each program that calls the API."</p> }
            .into_any();
    }
    view! {
        <div class="overflow-x-auto"><table class="w-full text-left text-sm">
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Name"</th>
                    <th>"Key"</th>
                    <th>"Scopes"</th>
                    <th>"Created"</th>
                    <th>"Last used"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|key| {
                        let revoked = key.revoked_at.is_some();
                        let scopes = key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                        view! {
                            <tr class="border-b last:border-0" data-api-key=key.name.clone()>
                                <td class="py-2">{key.name.clone()}</td>
                                <td class="font-mono text-xs">{format!("{}_…", key.prefix)}</td>
                                <td class="text-xs">{scopes}</td>
                                <td class="text-xs">
                                    {when(Some(key.created_at))}
                                    {key.created_by.clone().map(|by| format!(" by {by}"))}
                                </td>
                                <td class="text-xs">{when(key.last_used_at)}</td>
                                <td class="py-2 text-right" data-testid="key-state">
                                    {if revoked {
                                        view! { <span class="text-slate-500">{format!("revoked {}", when(key.revoked_at))}</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=revoke attr:class="inline">
                                                <input type="hidden" name="key_id" value=key.id />
                                                <button type="submit" class="rounded border border-red-300 px-2 py-1 text-xs text-red-700 hover:bg-red-50">
                                                    "Revoke"
                                                </button>
                                            </ActionForm>
                                        }
                                            .into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}
