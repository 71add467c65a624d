//! The Campaigns page: the workspace's campaigns and the form that creates one.

use super::api::{ChangeCampaignStatus, CreateCampaign, list_campaigns};
use super::form::CampaignFields;
use crate::pager::Pager;
use crate::ui::{ErrorPanel, FormError, Loading};
use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::{Campaign, CampaignStatus};

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let create = ServerAction::<CreateCampaign>::new();
    let change = ServerAction::<ChangeCampaignStatus>::new();
    let (show_archived, set_show_archived) = signal(false);
    let page = crate::pager::page_from_query("");
    let campaigns = Resource::new(
        move || {
            (
                create.version().get(),
                change.version().get(),
                show_archived.get(),
                page(),
            )
        },
        |(_, _, archived, (page, per_page))| list_campaigns(archived, page, per_page),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(|r| r.err()));

    // Clear the form once a campaign was created; keep what was typed on errors.
    let form_ref = NodeRef::<Form>::new();
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_)))
            && let Some(form) = form_ref.get()
        {
            form.reset();
        }
    });

    view! {
        <Title text="Campaigns" />
        <div class="space-y-8">
            <section class="rounded-xl bg-white p-6 shadow-sm">
                <h2 class="mb-4 text-lg font-semibold">"New campaign"</h2>
                <ActionForm action=create node_ref=form_ref>
                    <FormError error=create_error />
                    <CampaignFields error=create_error />
                    <button
                        type="submit"
                        class="mt-4 rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
                    >
                        "Create campaign"
                    </button>
                </ActionForm>
            </section>
            <section class="rounded-xl bg-white p-6 shadow-sm">
                <div class="mb-4 flex items-center justify-between">
                    <h2 class="text-lg font-semibold">"Campaigns"</h2>
                    <label class="inline-flex items-center gap-2 text-sm text-slate-600">
                        <input
                            type="checkbox"
                            prop:checked=show_archived
                            on:change=move |ev| set_show_archived.set(event_target_checked(&ev))
                        />
                        "Show archived"
                    </label>
                </div>
                <FormError error=Signal::derive(move || change.value().get().and_then(|r| r.err())) />
                <Transition fallback=Loading>
                    <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                        {move || Suspend::new(async move {
                            campaigns.await.map(|list| {
                                let shown = list.len();
                                view! {
                                    <CampaignTable list change />
                                    <Pager prefix="" shown />
                                }
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn CampaignTable(list: Vec<Campaign>, change: ServerAction<ChangeCampaignStatus>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="text-sm text-slate-500">"No campaigns yet. Create one above."</p> }
            .into_any();
    }
    view! {
        <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="campaign-table">
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Name"</th>
                    <th>"Objective"</th>
                    <th>"Daily budget"</th>
                    <th>"Platforms"</th>
                    <th>"Niche"</th>
                    <th>"Status"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|c| view! { <CampaignRow campaign=c change /> })
                    .collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

#[component]
fn CampaignRow(campaign: Campaign, change: ServerAction<ChangeCampaignStatus>) -> impl IntoView {
    let platforms = campaign
        .platforms
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join(", ");
    let id = campaign.id;
    view! {
        <tr class="border-b last:border-0" data-campaign=campaign.name.clone()>
            <td class="py-2 font-medium">
                <a href=format!("/campaigns/{id}") class="text-indigo-700 hover:underline">
                    {campaign.name.clone()}
                </a>
                {campaign
                    .is_demo
                    .then(|| {
                        view! {
                            <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800">
                                "demo"
                            </span>
                        }
                    })}
            </td>
            <td>{campaign.objective.label()}</td>
            <td>{campaign.daily_budget.to_string()}</td>
            <td>{platforms}</td>
            <td>{campaign.niche.label()}</td>
            <td>
                <StatusBadge status=campaign.status />
            </td>
            <td class="text-right">
                <StatusButtons id status=campaign.status change />
            </td>
        </tr>
    }
}

#[component]
pub fn StatusBadge(status: CampaignStatus) -> impl IntoView {
    let colour = match status {
        CampaignStatus::Draft => "bg-slate-100 text-slate-700",
        CampaignStatus::Active => "bg-emerald-100 text-emerald-800",
        CampaignStatus::Paused => "bg-amber-100 text-amber-800",
        CampaignStatus::Archived => "bg-slate-200 text-slate-500",
    };
    view! {
        <span class=format!("rounded px-2 py-0.5 text-xs font-medium {colour}") data-status=status.as_str()>
            {status.label()}
        </span>
    }
}

/// One small form per allowed lifecycle change, so each works without JavaScript.
#[component]
pub fn StatusButtons(
    id: i64,
    status: CampaignStatus,
    change: ServerAction<ChangeCampaignStatus>,
) -> impl IntoView {
    status
        .allowed_changes()
        .into_iter()
        .map(|c| {
            view! {
                <ActionForm action=change attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="change" value=c.as_str() />
                    <button
                        type="submit"
                        class="ml-2 rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100"
                    >
                        {c.label()}
                    </button>
                </ActionForm>
            }
        })
        .collect_view()
}
