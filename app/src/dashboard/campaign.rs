//! The results half of a campaign's page: KPIs and charts for a range, each
//! creative's Hook, Hold, Click and Convert scores against the campaign's other
//! creatives beside what the models predicted before launch, and the campaign's
//! experiment's split over time.

use super::api::{CampaignResultsData, campaign_results};
use super::cards::KpiCards;
use super::charts::{MetricCharts, SpendRevenueCharts};
use super::filters::Filters;
use super::format::{NONE, money, percent, times};
use super::query_from_url;
use crate::chart::{Line, LineChart, percent_axis};
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use titan::domain::analytics::{CreativeScores, SCORE_MIN_CLICKS, SCORE_MIN_IMPRESSIONS};
use titan::domain::experiment::ExperimentDetail;
use titan::domain::scores::Band;

/// The results of campaign `id` for the range in the URL.
#[component]
pub fn CampaignResultsSection(id: i64) -> impl IntoView {
    let query = query_from_url();
    let data = Resource::new(move || query.get(), move |q| campaign_results(id, q));
    view! {
        <section class="mt-6" data-testid="campaign-results">
            <h2 class="mb-3 text-lg font-semibold">"Results"</h2>
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        let q = query.get_untracked();
                        data.await.map(|data| view! { <ResultsView data query=q id /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

fn score_cell(score: Option<u8>, testid: &'static str) -> impl IntoView {
    let (text, class) = match score {
        None => (NONE.to_owned(), "text-slate-400"),
        Some(s) => (
            s.to_string(),
            match Band::of(s) {
                Band::Green => "bg-emerald-100 text-emerald-800",
                Band::Yellow => "bg-amber-100 text-amber-800",
                Band::Red => "bg-rose-100 text-rose-800",
            },
        ),
    };
    view! {
        <td class="px-3 py-2 text-center">
            <span class=format!("inline-block min-w-9 rounded px-2 py-0.5 text-xs font-semibold tabular-nums {class}") data-score=testid>
                {text}
            </span>
        </td>
    }
}

/// The still of the creative's clip, or a plain box saying there is none (results
/// imported for a creative made elsewhere).
fn still(asset_id: Option<i64>, name: &str) -> impl IntoView + use<> {
    let frame = "h-16 w-16 shrink-0 rounded bg-slate-100 object-cover";
    match asset_id {
        Some(id) => view! {
            <img
                src=format!("/media/assets/{id}/thumbnail.jpg")
                alt=format!("Still of {name}")
                width="64"
                height="64"
                loading="lazy"
                decoding="async"
                class=frame
                data-still=id
            />
        }
        .into_any(),
        None => view! {
            <span class=format!("{frame} flex items-center justify-center text-center text-[10px] leading-tight text-slate-400")>
                "No clip"
            </span>
        }
        .into_any(),
    }
}

fn score_row(s: CreativeScores) -> impl IntoView {
    let l = s.line;
    let t = l.totals;
    let hook = match (&l.hook_class, l.hook_probability) {
        (Some(class), Some(p)) => format!("{class} ({:.0}%)", p * 100.0),
        (Some(class), None) => class.clone(),
        _ => NONE.to_owned(),
    };
    view! {
        <tr class="border-t border-slate-100" data-creative=l.id>
            <td class="px-3 py-2">
                <div class="flex items-center gap-3">
                    {still(l.asset_id, &l.name)}
                    <div>
                        <span class="font-medium">{l.name}</span>
                        <span class="block text-xs text-slate-500">{format!("{} · {}", l.platform.label(), l.placement.label())}</span>
                    </div>
                </div>
            </td>
            {score_cell(s.hook, "hook")}
            {score_cell(s.hold, "hold")}
            {score_cell(s.click, "click")}
            {score_cell(s.convert, "convert")}
            <td class="px-3 py-2 text-xs">{hook}</td>
            <td class="px-3 py-2 text-right tabular-nums">
                {percent(t.ctr())}
                <span class="block text-xs text-slate-500">{format!("predicted {}", l.predicted_ctr.map_or_else(|| NONE.to_owned(), |p| percent(Some(p))))}</span>
            </td>
            <td class="px-3 py-2 text-right tabular-nums">
                {times(t.roas())}
                <span class="block text-xs text-slate-500">{format!("predicted {}", times(l.predicted_roas))}</span>
            </td>
            <td class="px-3 py-2 text-right tabular-nums">{money(t.spend_cents, l.currency)}</td>
        </tr>
    }
}

fn split_chart(experiment: ExperimentDetail) -> impl IntoView {
    let labels: Vec<String> = experiment
        .periods
        .iter()
        .map(|p| titan::domain::minute_utc(p.started_at).unwrap_or_default())
        .collect();
    let lines: Vec<Line> = experiment
        .arms
        .iter()
        .map(|arm| Line {
            name: arm.creative_name.clone(),
            values: experiment
                .periods
                .iter()
                .map(|p| {
                    p.arms
                        .iter()
                        .find(|(id, _, _)| *id == arm.arm_id)
                        .map(|(_, share, _)| *share)
                })
                .collect(),
        })
        .collect();
    let id = experiment.summary.id;
    view! {
        <div data-testid="experiment-split">
            <LineChart
                title=format!("Split over time: {}", experiment.summary.name)
                x_labels=labels
                lines
                format=percent_axis
                empty_hint="The experiment has not started: no split yet."
                testid="chart-split"
            />
            <a href=format!("/experiments/{id}") class="mt-2 inline-block text-sm text-indigo-700 underline">"Open the experiment →"</a>
        </div>
    }
}

#[component]
fn ResultsView(
    data: CampaignResultsData,
    query: titan::domain::dashboard_query::DashboardQuery,
    id: i64,
) -> impl IntoView {
    let CampaignResultsData {
        query: parsed,
        previous,
        kpis,
        series,
        scores,
        experiment,
    } = data;
    let period = parsed.period;
    let empty = scores.is_empty();
    view! {
        <Filters action=format!("/campaigns/{id}") query parsed />
        <KpiCards kpis previous />
        <div class="mt-6 grid gap-4 lg:grid-cols-2">
            <SpendRevenueCharts period series=series.clone() />
            <MetricCharts period series />
            {experiment.map(split_chart)}
        </div>
        <section class="mt-6 rounded-xl bg-white shadow-sm" data-testid="creative-scores">
            <header class="p-4">
                <h3 class="font-semibold">"Creative scores"</h3>
                <p class="mt-1 text-xs text-slate-500">
                    {format!(
                        "Each rate as a percentile (1–100) among this campaign's creatives over the range: green above 70, yellow 50–70, red below 50. \
                         Hook: 3-second views per impression; Hold: thruplays per impression; Click: CTR; Convert: conversions per click. \
                         Scored from {SCORE_MIN_IMPRESSIONS} impressions ({SCORE_MIN_CLICKS} clicks for Convert); predictions are the models' before launch."
                    )}
                </p>
            </header>
            <div class="overflow-x-auto">
                <table class="min-w-full text-sm">
                    <thead class="bg-slate-50 text-xs text-slate-600">
                        <tr>
                            <th class="px-3 py-2 text-left font-medium">"Creative"</th>
                            <th class="px-3 py-2 font-medium">"Hook"</th>
                            <th class="px-3 py-2 font-medium">"Hold"</th>
                            <th class="px-3 py-2 font-medium">"Click"</th>
                            <th class="px-3 py-2 font-medium">"Convert"</th>
                            <th class="px-3 py-2 text-left font-medium">"Hook class"</th>
                            <th class="px-3 py-2 text-right font-medium">"CTR"</th>
                            <th class="px-3 py-2 text-right font-medium">"ROAS"</th>
                            <th class="px-3 py-2 text-right font-medium">"Spend"</th>
                        </tr>
                    </thead>
                    <tbody>{scores.into_iter().map(score_row).collect_view()}</tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="p-4 text-sm text-slate-500">"This campaign has no creatives yet."</p> })}
        </section>
    }
}
