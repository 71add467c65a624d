//! The HubSpot and conversions-webhook sections of the Integrations page. A
//! secret is never sent to the page: its input is always empty, and beside it
//! the page says whether one is saved.

use super::api::{NewWebhookSecret, SaveIntegrations, TestHubspot, get_integrations};
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use titan::domain::learning::{IntegrationSettings, IpStorage};

const INPUT: &str = "mt-1 block w-72 max-w-full rounded border border-slate-300 px-3 py-1.5";
const BUTTON: &str = "rounded bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500";
const SECONDARY: &str = "rounded border border-slate-300 px-4 py-1.5 hover:bg-slate-100";
const SECTION: &str = "mb-6 rounded-xl bg-white p-6 shadow-sm";

/// Server-rendered, forms posted plainly; the two parts that act in place are
/// islands: a new webhook secret (shown once) and the stage table (rows added
/// in the browser).
#[component]
pub fn IntegrationsSections() -> impl IntoView {
    let save = ServerAction::<SaveIntegrations>::new();
    let test = ServerAction::<TestHubspot>::new();
    let settings = Resource::new(|| (), |_| get_integrations());
    view! {
        <Transition fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    settings.await.map(|s| view! {
                        <HubSpotSection settings=s.clone() save test />
                        <WebhookSection settings=s.clone() />
                        <super::stages::StagesSection stages=s.stages />
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// "saved" or "not set", never the value.
fn secret_status(set: bool) -> impl IntoView {
    if set {
        view! { <span class="ml-2 text-xs text-emerald-700" data-secret-status="saved">"saved"</span> }
    } else {
        view! { <span class="ml-2 text-xs text-slate-500" data-secret-status="not set">"not set"</span> }
    }
}

#[component]
fn HubSpotSection(
    settings: IntegrationSettings,
    save: ServerAction<SaveIntegrations>,
    test: ServerAction<TestHubspot>,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let test_error = Signal::derive(move || test.value().get().and_then(|r| r.err()));
    // A save comes back as `?saved=hubspot`.
    let query = crate::query::use_query();
    let done = move || error.get().is_none() && query.read().get_str("saved") == Some("hubspot");
    let portal = settings
        .hubspot_portal_id
        .map(|p| p.to_string())
        .unwrap_or_default();
    let last_check = settings.hubspot_check.clone();
    let checked_at = settings
        .hubspot_checked_at
        .and_then(titan::domain::minute_utc);
    view! {
        <section class=SECTION data-testid="hubspot">
            <h2 class="mb-1 text-lg font-semibold">"HubSpot"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "Titan reads deal stage changes from HubSpot and credits their value to the creative that brought the contact. Secrets are stored encrypted and never shown again; leave a secret blank to keep the saved one."
            </p>
            <FormError error />
            <ActionForm action=save attr:class="grid gap-4 text-sm md:grid-cols-2">
                <div class="block font-medium">
                    "HubSpot account id"
                    <p class="mt-1 font-normal text-slate-600" data-testid="hubspot-portal">
                        {if portal.is_empty() { "Not connected: save the private-app token, then test the connection.".to_owned() } else { portal.clone() }}
                    </p>
                </div>
                <label class="block font-medium">
                    "App secret (checks webhook signatures)"
                    {secret_status(settings.hubspot_app_secret_set)}
                    <input type="password" name="hubspot_app_secret" value="" autocomplete="off" class=INPUT />
                    <FieldMessage error field="hubspot_app_secret" />
                </label>
                <label class="block font-medium">
                    "Private-app token (reads deals)"
                    {secret_status(settings.hubspot_token_set)}
                    <input type="password" name="hubspot_token" value="" autocomplete="off" class=INPUT />
                    <FieldMessage error field="hubspot_token" />
                </label>
                <label class="block font-medium">
                    "Store click IP addresses as"
                    <select name="ip_storage" class=INPUT>
                        {IpStorage::ALL
                            .into_iter()
                            .map(|p| view! {
                                <option value=p.as_str() selected=p == settings.ip_storage>{p.label()}</option>
                            })
                            .collect_view()}
                    </select>
                    <FieldMessage error field="ip_storage" />
                </label>
                <div class="flex items-center gap-3 md:col-span-2">
                    <button type="submit" class=BUTTON>"Save"</button>
                    {move || done().then(|| view! { <span role="status" class="text-emerald-700">"Saved."</span> })}
                </div>
            </ActionForm>
            <div class="mt-6 border-t pt-4 text-sm">
                <h3 class="mb-2 font-medium">"Connection"</h3>
                <FormError error=test_error />
                <div class="flex flex-wrap items-center gap-3">
                    <ActionForm action=test>
                        <button type="submit" class=SECONDARY>"Test connection"</button>
                    </ActionForm>
                    <p role="status" data-testid="hubspot-check">
                        {match (last_check, checked_at) {
                            (Some(said), Some(at)) => format!("{said} (checked {at})"),
                            (Some(said), None) => said,
                            _ => "Not checked yet.".to_owned(),
                        }}
                    </p>
                </div>
                <p class="mt-3 text-slate-600">
                    "In your HubSpot app, send deal property changes (dealstage) to "
                    <code class="rounded bg-slate-100 px-1">"/webhooks/hubspot"</code>
                    " on this server's address."
                </p>
            </div>
        </section>
    }
}

#[component]
fn WebhookSection(settings: IntegrationSettings) -> impl IntoView {
    let workspace = settings.workspace_id;
    view! {
        <section class=SECTION data-testid="conversions-webhook">
            <h2 class="mb-1 text-lg font-semibold">"Conversions webhook"</h2>
            <p class="mb-3 text-sm text-slate-500">
                "Any CRM or backend can report a conversion by posting JSON to this server, signed with the workspace's webhook secret."
            </p>
            <dl class="mb-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                <dt class="font-medium">"Endpoint"</dt>
                <dd><code class="rounded bg-slate-100 px-1">"POST /webhooks/conversions"</code></dd>
                <dt class="font-medium">"Body"</dt>
                <dd>
                    <code class="rounded bg-slate-100 px-1">"{\"events\": [...]}"</code>
                    " (JSON; the README lists each event's fields)"
                </dd>
                <dt class="font-medium">"Headers"</dt>
                <dd class="space-y-1">
                    <code class="block rounded bg-slate-100 px-1">{format!("X-Titan-Workspace: {workspace}")}</code>
                    <code class="block rounded bg-slate-100 px-1">"X-Titan-Timestamp: <unix seconds>"</code>
                    <code class="block rounded bg-slate-100 px-1">
                        "X-Titan-Signature: v1=<hex HMAC-SHA256(secret, timestamp + \".\" + body)>"
                    </code>
                </dd>
            </dl>
            <WebhookSecret set=settings.webhook_secret_set />
        </section>
    }
}

/// The workspace's webhook secret: whether one is set, and a new one made in
/// place and shown once (an island: the secret is never in a page's address).
#[island]
fn WebhookSecret(set: bool) -> impl IntoView {
    let secret = ServerAction::<NewWebhookSecret>::new();
    let error = Signal::derive(move || secret.value().get().and_then(|r| r.err()));
    let issued = move || secret.value().get().and_then(|r| r.ok());
    view! {
        <p class="mb-3 text-sm">
            <span class="font-medium">"Secret"</span>
            {move || secret_status(set || issued().is_some())}
        </p>
            <FormError error />
            <ActionForm action=secret>
                <input type="hidden" name="confirm" value="replace" />
                <button type="submit" class=SECONDARY data-testid="new-webhook-secret">
                    "Generate new secret"
                </button>
            </ActionForm>
            {move || issued().map(|value| view! {
                <div class="mt-4 rounded border border-amber-200 bg-amber-50 p-4 text-sm" role="status">
                    <p class="mb-2">
                        "Copy this secret now: it is not shown again. The previous secret no longer works."
                    </p>
                    <code class="block select-all break-all rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs" data-testid="webhook-secret">
                        {value}
                    </code>
                </div>
            })}
    }
}
