//! The Overview: a range's KPIs against the previous period, spend against
//! revenue, the creatives with the best and worst ROAS, and what needs
//! attention (open alerts, running jobs) when there is any.

use super::api::{OverviewPageData, overview_data};
use super::cards::KpiCards;
use super::charts::SpendRevenueCharts;
use super::filters::Filters;
use super::format::{money, times};
use super::query_from_url;
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::analytics::CreativeLine;
use titan::domain::dashboard_query::DashboardQuery;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let query = query_from_url();
    let data = Resource::new(move || query.get(), overview_data);
    view! {
        <Title text="Overview" />
        <h1 class="mb-4 text-2xl font-semibold">"Overview"</h1>
        <Transition fallback=Loading>
            <ErrorBoundary fallback=|errors| view! {
                <ErrorPanel errors />
                <a href="/" class="mt-3 inline-block text-sm text-indigo-700 underline">"Show the last 30 days"</a>
            }>
                {move || Suspend::new(async move {
                    let query = query.get_untracked();
                    data.await.map(|data| view! { <OverviewView data query /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn creative_list(
    title: &'static str,
    testid: &'static str,
    lines: Vec<CreativeLine>,
) -> impl IntoView {
    view! {
        <section class="min-w-0 rounded-xl bg-white p-4 shadow-sm" data-testid=testid>
            <h2 class="mb-2 text-sm font-medium text-slate-700">{title}</h2>
            {if lines.is_empty() {
                view! { <p class="text-sm text-slate-500">"No creative spent in this range."</p> }.into_any()
            } else {
                view! {
                    <ol class="divide-y divide-slate-100 text-sm">
                        {lines
                            .into_iter()
                            .map(|l| view! {
                                <li class="flex items-center justify-between gap-3 py-2" data-creative=l.id>
                                    <span class="min-w-0">
                                        <span class="block truncate font-medium">{l.name}</span>
                                        <span class="block truncate text-xs text-slate-500">{l.campaign_name}</span>
                                    </span>
                                    <span class="shrink-0 text-right tabular-nums">
                                        <span class="block font-semibold">{times(l.totals.roas())}</span>
                                        <span class="block text-xs text-slate-500">{money(l.totals.spend_cents, l.currency)} " spent"</span>
                                    </span>
                                </li>
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn OverviewView(data: OverviewPageData, query: DashboardQuery) -> impl IntoView {
    let OverviewPageData {
        query: parsed,
        previous,
        kpis,
        series,
        top,
        bottom,
        open_alerts,
        active_jobs,
    } = data;
    let period = parsed.period;
    let attention = (open_alerts > 0 || active_jobs > 0).then(|| {
        view! {
            <div class="mb-4 flex flex-wrap gap-3 text-sm" data-testid="attention">
                {(open_alerts > 0).then(|| view! {
                    <a href="/alerts" class="rounded-full bg-amber-100 px-3 py-1 text-amber-900 hover:bg-amber-200" data-testid="attention-alerts">
                        {format!("{open_alerts} open alert{}", if open_alerts == 1 { "" } else { "s" })}
                    </a>
                })}
                {(active_jobs > 0).then(|| view! {
                    <a href="/renders" class="rounded-full bg-sky-100 px-3 py-1 text-sky-900 hover:bg-sky-200" data-testid="attention-jobs">
                        {format!("{active_jobs} job{} queued or running", if active_jobs == 1 { "" } else { "s" })}
                    </a>
                })}
            </div>
        }
    });
    let analytics_link = super::href(
        "/analytics",
        &DashboardQuery {
            range: query.range.clone(),
            from: query.from.clone(),
            to: query.to.clone(),
            ..Default::default()
        },
    );
    view! {
        {attention}
        <Filters action="/" query parsed />
        <KpiCards kpis previous />
        <div class="mt-6 grid gap-4 lg:grid-cols-2">
            <SpendRevenueCharts period series />
        </div>
        <div class="mt-6 grid gap-4 md:grid-cols-2">
            {creative_list("Best ROAS", "top-creatives", top)}
            {creative_list("Worst ROAS", "bottom-creatives", bottom)}
        </div>
        <a href=analytics_link class="mt-4 inline-block text-sm text-indigo-700 underline">"All creatives in Analytics →"</a>
    }
}
