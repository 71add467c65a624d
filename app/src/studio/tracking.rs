//! A creative's tracking link and what it earned: set the landing URL, copy the
//! `/t/{token}` link into the ad, and read the CRM conversions credited to it.

use crate::error::AppResult;
use crate::integrations::{dollars, successes};
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use titan::domain::learning::AttributionRow;

/// A creative's tracking set-up and its newest attributions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackingInfo {
    pub landing_url: Option<String>,
    /// The tracking link's path (`/t/{token}`), once a landing URL is saved.
    pub link: Option<String>,
    pub attributions: Vec<AttributionRow>,
    /// Pipeline value CRM attributions added to this creative's days, in cents.
    pub crm_pipeline_cents: i64,
}

/// The tracking set-up of a creative of the caller's workspace.
#[server(prefix = "/api", endpoint = "creatives/tracking")]
pub async fn creative_tracking(creative_id: i64) -> AppResult<TrackingInfo> {
    use crate::guard::{require_user, state};
    use titan::learning::{clicks, ledger};
    let user = require_user()?;
    let db = &state()?.db;
    let tracking = clicks::tracking_of(db, user.workspace_id, creative_id).await?;
    let attributions = ledger::recent(db, user.workspace_id, Some(creative_id), 20).await?;
    let crm_pipeline_cents = ledger::crm_pipeline_of(db, user.workspace_id, creative_id).await?;
    let link = tracking
        .landing_url
        .as_ref()
        .and(tracking.token.as_ref())
        .map(|token| format!("/t/{token}"));
    Ok(TrackingInfo {
        landing_url: tracking.landing_url,
        link,
        attributions,
        crm_pipeline_cents,
    })
}

/// Sets a creative's landing URL (blank clears it); its tracking link stays the same.
#[server(prefix = "/api", endpoint = "creatives/landing-url")]
pub async fn save_landing_url(
    #[server(default)] creative_id: String,
    #[server(default)] landing_url: String,
) -> AppResult<()> {
    use crate::guard::{require_user, state};
    use titan::learning::clicks;
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let id = creative_id
        .trim()
        .parse::<i64>()
        .map_err(|_| titan::Error::Invalid(FieldErrors::single("creative_id", "must be an id")))?;
    let url = if landing_url.trim().is_empty() {
        None
    } else {
        Some(
            clicks::parse_landing_url(&landing_url)
                .map_err(|e| titan::Error::Invalid(FieldErrors(vec![e])))?,
        )
    };
    clicks::set_landing_url(&state()?.db, user.workspace_id, id, url).await?;
    Ok(())
}

/// The tracking set-up of the creative open in the workbench (none when none is).
pub type Tracking = Resource<AppResult<Option<TrackingInfo>>>;

/// The landing-URL form and the tracking resource it refreshes. Made by the
/// workbench, not inside the creative's loading boundary: a resource created
/// while that boundary resolves on the server would not reach the browser.
pub fn tracking_of(selected: Memo<Option<i64>>) -> (ServerAction<SaveLandingUrl>, Tracking) {
    let save = ServerAction::<SaveLandingUrl>::new();
    let saved = successes(
        move || matches!(save.value().get(), Some(Ok(_))),
        save.version(),
    );
    let tracking = Resource::new(
        move || (selected.get(), saved.get()),
        |(id, _)| async move {
            match id {
                Some(id) => creative_tracking(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    (save, tracking)
}

#[component]
pub fn TrackingSection(
    creative_id: i64,
    save: ServerAction<SaveLandingUrl>,
    tracking: Tracking,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    view! {
        <section class="mt-6 border-t pt-4" data-testid="tracking">
            <h3 class="mb-2 font-semibold">"Tracking link"</h3>
            <FormError error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        tracking.await.map(|t| t.map(|t| view! {
                            <ActionForm action=save attr:class="flex flex-wrap items-start gap-3 text-sm">
                                <input type="hidden" name="creative_id" value=creative_id />
                                <label class="block flex-1 font-medium">
                                    "Landing URL"
                                    <input
                                        type="url"
                                        name="landing_url"
                                        value=t.landing_url.clone().unwrap_or_default()
                                        placeholder="https://your-site.example/offer"
                                        class="mt-1 block w-full rounded border border-slate-300 px-3 py-1.5"
                                    />
                                    <FieldMessage error field="landing_url" />
                                </label>
                                <button type="submit" class="mt-6 rounded bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500">
                                    "Save"
                                </button>
                            </ActionForm>
                            {match t.link {
                                Some(link) => view! {
                                    <p class="mt-2 text-sm">
                                        "Use this link in the ad: "
                                        <code class="select-all rounded bg-slate-100 px-1" data-testid="tracking-link">{link}</code>
                                        <span class="text-slate-500">" on this server's address. It records the click and forwards to the landing URL."</span>
                                    </p>
                                }.into_any(),
                                None => view! {
                                    <p class="mt-2 text-sm text-slate-500">"Save a landing URL to get this creative's tracking link."</p>
                                }.into_any(),
                            }}
                            <p class="mt-4 text-sm">
                                "Pipeline revenue from the CRM: "
                                <strong data-testid="crm-pipeline">{dollars(t.crm_pipeline_cents)}</strong>
                            </p>
                            <Attributions rows=t.attributions />
                        }))
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Attributions(rows: Vec<AttributionRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p class="mt-4 text-sm text-slate-500" data-testid="attributions">
                "No CRM conversions attributed to this creative yet."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="overflow-x-auto"><table class="mt-4 w-full text-left text-sm" data-testid="attributions">
            <caption class="mb-1 text-left font-medium">"CRM conversions attributed"</caption>
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Deal"</th>
                    <th>"Stage"</th>
                    <th>"Method"</th>
                    <th class="text-right">"Confidence"</th>
                    <th class="text-right">"Value"</th>
                    <th class="text-right">"Day"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| view! {
                        <tr class="border-b last:border-0" data-attribution=r.id>
                            <td class="py-1 font-mono text-xs">{r.deal_id}</td>
                            <td>{r.stage}</td>
                            <td>{r.method.label()}</td>
                            <td class="text-right">{format!("{:.0} %", r.confidence * 100.0)}</td>
                            <td class="text-right">{dollars(r.increment_cents)}</td>
                            <td class="text-right">{r.day.unwrap_or_else(|| "–".to_owned())}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}
