//! The page of one campaign: edit its fields and change its status.

use super::api::{ChangeCampaignStatus, UpdateCampaign, get_campaign};
use super::form::CampaignFields;
use super::list::{StatusBadge, StatusButtons};
use crate::error::AppError;
use crate::ui::{ErrorPanel, FormError, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use titan::domain::Campaign;

#[component]
pub fn CampaignEditPage() -> impl IntoView {
    let params = use_params_map();
    let update = ServerAction::<UpdateCampaign>::new();
    let change = ServerAction::<ChangeCampaignStatus>::new();
    let campaign = Resource::new(
        move || {
            (
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
                update.version().get(),
                change.version().get(),
            )
        },
        |(id, _, _)| async move {
            match id {
                Some(id) => get_campaign(id).await,
                None => Err(AppError::NotFound("campaign".into())),
            }
        },
    );
    view! {
        <Title text="Campaign" />
        <Transition fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    campaign.await.map(|c| {
                        let id = c.id;
                        view! {
                            <EditForm campaign=c update change />
                            <crate::dashboard::CampaignResultsSection id />
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn EditForm(
    campaign: Campaign,
    update: ServerAction<UpdateCampaign>,
    change: ServerAction<ChangeCampaignStatus>,
) -> impl IntoView {
    let error = Signal::derive(move || update.value().get().and_then(|r| r.err()));
    // The page is server-rendered: a save comes back as `?saved=1`.
    let query = crate::query::use_query();
    let saved = move || {
        error.get().is_none()
            && (matches!(update.value().get(), Some(Ok(_)))
                || query.read().get_str("saved") == Some("1"))
    };
    let editable = campaign.status.is_editable();
    let id = campaign.id;
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm">
            <div class="mb-4 flex items-center gap-3">
                <h2 class="text-lg font-semibold">{campaign.name.clone()}</h2>
                <StatusBadge status=campaign.status />
                <div class="ml-auto">
                    <StatusButtons id status=campaign.status change />
                </div>
            </div>
            <FormError error=Signal::derive(move || change.value().get().and_then(|r| r.err())) />
            {if editable {
                view! {
                    <ActionForm action=update>
                        <input type="hidden" name="id" value=id />
                        <FormError error />
                        <CampaignFields error initial=campaign.clone() />
                        <div class="mt-4 flex items-center gap-4">
                            <button
                                type="submit"
                                class="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
                            >
                                "Save changes"
                            </button>
                            <Show when=saved>
                                <span class="text-sm text-emerald-700">"Saved."</span>
                            </Show>
                            <a href="/campaigns" class="text-sm text-slate-600 hover:underline">
                                "Back to campaigns"
                            </a>
                        </div>
                    </ActionForm>
                }
                    .into_any()
            } else {
                view! {
                    <p class="text-sm text-slate-600">
                        "This campaign is archived and can no longer be edited."
                    </p>
                }
                    .into_any()
            }}
        </section>
    }
}
