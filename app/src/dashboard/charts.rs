//! The dashboard's time series as charts: buckets from the period (so days
//! without results show as zero, not as missing), money per currency, counts
//! and ratios over all currencies (ratios from sums).

use crate::chart::{Line, LineChart, compact, percent_axis, times_axis};
use leptos::prelude::*;
use std::collections::BTreeMap;
use time::Date;
use titan::domain::Currency;
use titan::domain::analytics::{SeriesPoint, Totals};
use titan::domain::period::Period;

/// What to do when a chart has nothing to show.
pub const EMPTY_HINT: &str =
    "No results in this range yet — import a report in the Studio, or pick a longer range.";

/// "Nov 3".
pub fn day_label(day: Date) -> String {
    let month = day.month().to_string();
    format!("{} {}", &month[..3], day.day())
}

/// The series summed per bucket: over all currencies (`None`) or one.
fn per_bucket(
    period: &Period,
    series: &[SeriesPoint],
    currency: Option<Currency>,
) -> (Vec<String>, Vec<Totals>) {
    let buckets = period.buckets();
    let mut sums: BTreeMap<Date, Totals> =
        buckets.iter().map(|b| (*b, Totals::default())).collect();
    for point in series {
        if currency.is_none_or(|c| c == point.currency)
            && let Some(t) = sums.get_mut(&point.start)
        {
            t.add(&point.totals);
        }
    }
    let labels = buckets.iter().map(|b| day_label(*b)).collect();
    (labels, sums.into_values().collect())
}

/// Currencies that appear in the series, in code order.
pub fn currencies(series: &[SeriesPoint]) -> Vec<Currency> {
    let mut out: Vec<Currency> = Vec::new();
    for p in series {
        if !out.contains(&p.currency) {
            out.push(p.currency);
        }
    }
    out.sort_by_key(|c| c.code());
    out
}

fn major(cents: i64) -> Option<f64> {
    Some(cents as f64 / 100.0)
}

/// Spend against booked and pipeline revenue, one chart per currency.
#[component]
pub fn SpendRevenueCharts(period: Period, series: Vec<SeriesPoint>) -> impl IntoView {
    let currencies = currencies(&series);
    if currencies.is_empty() {
        return view! {
            <LineChart
                title="Spend and revenue".to_owned()
                x_labels=Vec::new()
                lines=Vec::new()
                format=compact
                empty_hint=EMPTY_HINT
                testid="chart-spend-revenue"
            />
        }
        .into_any();
    }
    currencies
        .into_iter()
        .map(|currency| {
            let (labels, sums) = per_bucket(&period, &series, Some(currency));
            let line = |name: &str, f: fn(&Totals) -> i64| Line {
                name: name.to_owned(),
                values: sums.iter().map(|t| major(f(t))).collect(),
            };
            let lines = vec![
                line("Spend", |t| t.spend_cents),
                line("Booked revenue", |t| t.revenue_cents),
                line("Pipeline revenue", |t| t.pipeline_cents),
            ];
            view! {
                <LineChart
                    title=format!("Spend and revenue ({}, {})", currency.code(), currency.symbol())
                    x_labels=labels
                    lines
                    format=compact
                    empty_hint=EMPTY_HINT
                    testid="chart-spend-revenue"
                />
            }
        })
        .collect_view()
        .into_any()
}

/// Delivery charts over all currencies: impressions and clicks; CTR and hook
/// rate; and ROAS per currency.
#[component]
pub fn MetricCharts(period: Period, series: Vec<SeriesPoint>) -> impl IntoView {
    let (labels, sums) = per_bucket(&period, &series, None);
    let count = |name: &str, f: fn(&Totals) -> i64| Line {
        name: name.to_owned(),
        values: sums.iter().map(|t| Some(f(t) as f64)).collect(),
    };
    let rate = |name: &str, f: fn(&Totals) -> Option<f64>| Line {
        name: name.to_owned(),
        values: sums.iter().map(f).collect(),
    };
    let any = !series.is_empty();
    let or_empty = |lines: Vec<Line>| if any { lines } else { Vec::new() };
    let roas_lines: Vec<Line> = currencies(&series)
        .into_iter()
        .map(|c| {
            let (_, sums) = per_bucket(&period, &series, Some(c));
            Line {
                name: format!("ROAS {}", c.code()),
                values: sums.iter().map(Totals::roas).collect(),
            }
        })
        .collect();
    view! {
        <LineChart
            title="Impressions and clicks".to_owned()
            x_labels=labels.clone()
            lines=or_empty(vec![count("Impressions", |t| t.impressions), count("Clicks", |t| t.clicks)])
            format=compact
            empty_hint=EMPTY_HINT
            testid="chart-delivery"
        />
        <LineChart
            title="CTR and hook rate (%)".to_owned()
            x_labels=labels.clone()
            lines=or_empty(vec![rate("CTR", Totals::ctr), rate("Hook rate", Totals::hook_rate)])
            format=percent_axis
            empty_hint=EMPTY_HINT
            testid="chart-rates"
        />
        <LineChart
            title="Booked ROAS (×)".to_owned()
            x_labels=labels
            lines=roas_lines
            format=times_axis
            empty_hint=EMPTY_HINT
            testid="chart-roas"
        />
    }
}
