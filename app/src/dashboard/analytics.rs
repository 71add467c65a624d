//! The Analytics page: filters, KPI cards, a chart per metric (daily, weekly
//! past 45 days) and the creative table.

use super::api::{AnalyticsPageData, analytics_data};
use super::cards::KpiCards;
use super::charts::{MetricCharts, SpendRevenueCharts};
use super::filters::Filters;
use super::query_from_url;
use super::table::CreativeTableView;
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::dashboard_query::DashboardQuery;

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = query_from_url();
    let data = Resource::new(move || query.get(), analytics_data);
    view! {
        <Title text="Analytics" />
        <h1 class="mb-4 text-2xl font-semibold">"Analytics"</h1>
        <Transition fallback=Loading>
            <ErrorBoundary fallback=|errors| view! {
                <ErrorPanel errors />
                <a href="/analytics" class="mt-3 inline-block text-sm text-indigo-700 underline">"Reset the filters"</a>
            }>
                {move || Suspend::new(async move {
                    let query = query.get_untracked();
                    data.await.map(|data| view! { <AnalyticsView data query /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn AnalyticsView(data: AnalyticsPageData, query: DashboardQuery) -> impl IntoView {
    let AnalyticsPageData {
        query: parsed,
        previous,
        kpis,
        series,
        table,
        campaigns,
    } = data;
    let period = parsed.period;
    view! {
        <Filters action="/analytics" query=query.clone() parsed=parsed.clone() campaigns full=true />
        <KpiCards kpis previous />
        <div class="mt-6 grid gap-4 lg:grid-cols-2" data-testid="analytics-charts">
            <SpendRevenueCharts period series=series.clone() />
            <MetricCharts period series />
        </div>
        <CreativeTableView table query parsed />
    }
}
