//! The Experiments page: the workspace's experiments and the form that creates
//! one from a campaign's creatives. The campaign is chosen first (a plain GET
//! form, `?campaign=ID`), so the page works the same with and without JavaScript.

use super::api::{CreateExperiment, campaign_creatives, list_experiments};
use crate::campaigns::api::list_campaigns;
use crate::pager::Pager;
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::experiment::{ExperimentStatus, ExperimentSummary, MAX_ARMS, MIN_ARMS, Metric};

pub fn status_class(status: ExperimentStatus) -> &'static str {
    match status {
        ExperimentStatus::Draft => "rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-700",
        ExperimentStatus::Running => "rounded bg-emerald-100 px-2 py-0.5 text-xs text-emerald-800",
        ExperimentStatus::Stopped => "rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-800",
    }
}

#[component]
pub fn ExperimentsPage() -> impl IntoView {
    let page = crate::pager::page_from_query("");
    let experiments = Resource::new(page, |(page, per_page)| list_experiments(page, per_page));
    view! {
        <Title text="Experiments" />
        <h1 class="mb-2 text-2xl font-semibold">"Experiments"</h1>
        <p class="mb-6 max-w-3xl text-sm text-slate-600">
            "An experiment splits traffic between some creatives of a campaign and moves it toward the ones that work, by Thompson sampling: each arm's share follows its probability of being best, never below a floor and never more than ±50 % of itself per change."
        </p>
        <div class="space-y-8">
            <NewExperiment />
            <section class="rounded-xl bg-white p-6 shadow-sm">
                <h2 class="mb-4 text-lg font-semibold">"All experiments"</h2>
                <Transition fallback=Loading>
                    <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                        {move || Suspend::new(async move {
                            experiments.await.map(|list| {
                                let shown = list.len();
                                view! {
                                    <ExperimentTable list />
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
fn ExperimentTable(list: Vec<ExperimentSummary>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p class="text-sm text-slate-500" data-testid="experiments-empty">
                "No experiments yet. Choose a campaign above, tick 2 to 20 of its creatives and create one; start it when you are ready to split traffic."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="experiments">
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Name"</th>
                    <th>"Campaign"</th>
                    <th>"Metric"</th>
                    <th>"Arms"</th>
                    <th>"Status"</th>
                    <th>"Winner"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|e| {
                        view! {
                            <tr class="border-b last:border-0">
                                <td class="py-2">
                                    <a class="text-indigo-700 hover:underline" href=format!("/experiments/{}", e.id)>
                                        {e.name.clone()}
                                    </a>
                                    {e.is_demo.then(|| view! { <span class="ml-2 text-xs text-amber-700">"demo"</span> })}
                                </td>
                                <td>{e.campaign_name.clone()}</td>
                                <td>{e.metric.label()}</td>
                                <td>{e.arms}</td>
                                <td><span class=status_class(e.status)>{e.status.label()}</span></td>
                                <td>{e.winner.clone().unwrap_or_default()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

#[component]
fn NewExperiment() -> impl IntoView {
    let query = crate::query::use_query();
    let chosen = move || {
        query
            .read()
            .get("campaign")
            .and_then(|c| c.parse::<i64>().ok())
    };
    let campaigns = Resource::new(
        || (),
        |_| list_campaigns(false, String::new(), "200".into()),
    );
    let creatives = Resource::new(chosen, |campaign| async move {
        match campaign {
            Some(id) => campaign_creatives(id).await.map(|list| Some((id, list))),
            None => Ok(None),
        }
    });
    let create = ServerAction::<CreateExperiment>::new();
    let error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm" data-testid="new-experiment">
            <h2 class="mb-4 text-lg font-semibold">"New experiment"</h2>
            <form method="get" action="/experiments" class="mb-4 flex flex-wrap items-end gap-3 text-sm">
                <label class="block">
                    "Campaign"
                    <Suspense fallback=Loading>
                        <select name="campaign" class="mt-1 block w-72 max-w-full rounded border border-slate-300 px-2 py-1.5">
                            {move || Suspend::new(async move {
                                campaigns.await.map(|list| {
                                    list.into_iter()
                                        .map(|c| {
                                            let selected = chosen() == Some(c.id);
                                            view! { <option value=c.id selected=selected>{c.name.clone()}</option> }
                                        })
                                        .collect_view()
                                })
                            })}
                        </select>
                    </Suspense>
                </label>
                <button type="submit" class="rounded border border-slate-300 px-3 py-1.5 hover:bg-slate-100">
                    "Show its creatives"
                </button>
            </form>
            <Suspense fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        creatives.await.map(|found| match found {
                            None => view! {
                                <p class="text-sm text-slate-500">"Choose the campaign whose creatives will compete."</p>
                            }.into_any(),
                            Some((_, list)) if list.len() < MIN_ARMS => view! {
                                <p class="text-sm text-slate-500">
                                    "This campaign has fewer than two creatives: add creatives in the Studio first."
                                </p>
                            }.into_any(),
                            Some((campaign_id, list)) => view! {
                                <CreateForm campaign_id list create error />
                            }.into_any(),
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

#[component]
fn CreateForm(
    campaign_id: i64,
    list: Vec<(i64, String)>,
    create: ServerAction<CreateExperiment>,
    error: Signal<Option<crate::AppError>>,
) -> impl IntoView {
    let input = "mt-1 block w-40 rounded border border-slate-300 px-2 py-1.5";
    view! {
        <ActionForm action=create attr:class="space-y-4 text-sm">
            <FormError error />
            <input type="hidden" name="form[campaign_id]" value=campaign_id />
            <div class="flex flex-wrap gap-4">
                <label class="block">
                    "Name"
                    <input name="form[name]" required class="mt-1 block w-72 max-w-full rounded border border-slate-300 px-3 py-1.5" />
                    <FieldMessage error field="name" />
                </label>
                <label class="block">
                    "Metric"
                    <select name="form[metric]" class="mt-1 block rounded border border-slate-300 px-2 py-1.5">
                        {Metric::ALL
                            .iter()
                            .map(|m| view! { <option value=m.as_str()>{m.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldMessage error field="metric" />
                </label>
            </div>
            <fieldset>
                <legend class="mb-1">{format!("Arms: {MIN_ARMS} to {MAX_ARMS} creatives")}</legend>
                <div class="grid max-h-64 grid-cols-2 gap-1 overflow-y-auto rounded border border-slate-200 p-2 md:grid-cols-3">
                    {list
                        .into_iter()
                        .enumerate()
                        .map(|(i, (id, name))| {
                            view! {
                                <label class="flex items-center gap-2">
                                    <input type="checkbox" name=format!("form[creative_ids][{i}]") value=id />
                                    <span>{name}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                <FieldMessage error field="creative_ids" />
            </fieldset>
            <details>
                <summary class="cursor-pointer text-slate-600">"Settings (defaults shown)"</summary>
                <div class="mt-3 flex flex-wrap gap-4">
                    <label class="block">"Floor per arm (%)"
                        <input name="form[floor_percent]" placeholder="1" class=input />
                        <FieldMessage error field="floor_percent" />
                    </label>
                    <label class="block">"Minimum evidence (trials)"
                        <input name="form[min_evidence]" placeholder="100" class=input />
                        <FieldMessage error field="min_evidence" />
                    </label>
                    <label class="block">"Winner at P(best) (%)"
                        <input name="form[winner_threshold_percent]" placeholder="95" class=input />
                        <FieldMessage error field="winner_threshold_percent" />
                    </label>
                    <label class="block">"Hours between changes"
                        <input name="form[min_interval_hours]" placeholder="24" class=input />
                        <FieldMessage error field="min_interval_hours" />
                    </label>
                    <label class="block">"Evidence half-life (days)"
                        <input name="form[half_life_days]" placeholder="no decay" class=input />
                        <FieldMessage error field="half_life_days" />
                    </label>
                    <label class="mt-6 flex items-center gap-2">
                        <input type="checkbox" name="form[top_two]" value="on" />
                        "Top-two Thompson"
                    </label>
                    <label class="mt-6 flex items-center gap-2">
                        <input type="checkbox" name="form[age_blending]" value="on" />
                        "Ad-age blending (pipeline value)"
                    </label>
                    <FieldMessage error field="age_blending" />
                </div>
            </details>
            <button type="submit" class="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">
                "Create experiment"
            </button>
        </ActionForm>
    }
}
