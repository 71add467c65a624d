//! KPI cards: each figure of the range with its change against the previous
//! period of the same length. Counts and rates sum every currency; money is
//! shown per currency, never added across currencies.

use super::format::{change, count, money, money_or_none, percent, times};
use leptos::prelude::*;
use titan::domain::analytics::{CurrencyKpis, Totals, change as relative};
use titan::domain::period::Period;

/// Whether a rise is good news (green), bad news (red) or neither.
#[derive(Clone, Copy)]
enum Better {
    Up,
    Down,
    Neither,
}

fn card(
    label: &'static str,
    value: String,
    delta: Option<f64>,
    better: Better,
    testid: String,
) -> impl IntoView {
    let tone = match (delta, better) {
        (Some(d), Better::Up) if d > 0.0 => "text-emerald-700",
        (Some(d), Better::Up) if d < 0.0 => "text-rose-700",
        (Some(d), Better::Down) if d < 0.0 => "text-emerald-700",
        (Some(d), Better::Down) if d > 0.0 => "text-rose-700",
        _ => "text-slate-500",
    };
    view! {
        <div class="rounded-xl bg-white p-4 shadow-sm" data-testid=testid>
            <p class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
            <p class="mt-1 text-xl font-semibold tabular-nums" data-testid="kpi-value">{value}</p>
            <p class=format!("mt-1 text-xs {tone}") data-testid="kpi-change">
                {change(delta)} <span class="text-slate-400">" vs previous"</span>
            </p>
        </div>
    }
}

fn as_f64(n: i64) -> Option<f64> {
    Some(n as f64)
}

/// The KPI cards of a range.
#[component]
pub fn KpiCards(kpis: Vec<CurrencyKpis>, previous: Period) -> impl IntoView {
    let mut now = Totals::default();
    let mut before = Totals::default();
    for k in &kpis {
        now.add(&k.current);
        before.add(&k.previous);
    }
    let delivery = view! {
        <div class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" data-testid="kpis-delivery">
            {card("Impressions", count(now.impressions), relative(as_f64(now.impressions), as_f64(before.impressions)), Better::Up, "kpi-impressions".into())}
            {card("Clicks", count(now.clicks), relative(as_f64(now.clicks), as_f64(before.clicks)), Better::Up, "kpi-clicks".into())}
            {card("CTR", percent(now.ctr()), relative(now.ctr(), before.ctr()), Better::Up, "kpi-ctr".into())}
            {card("Hook rate", percent(now.hook_rate()), relative(now.hook_rate(), before.hook_rate()), Better::Up, "kpi-hook-rate".into())}
            {card("Conversions", count(now.conversions), relative(as_f64(now.conversions), as_f64(before.conversions)), Better::Up, "kpi-conversions".into())}
        </div>
    };
    let several = kpis.len() > 1;
    let money_rows = kpis
        .into_iter()
        .map(|k| {
            let c = k.currency;
            let (n, p) = (k.current, k.previous);
            let cents = |v: i64| as_f64(v);
            let cpa = |t: &Totals| t.cpa_cents().map(|v| v as f64);
            view! {
                <section class="mt-3" data-testid=format!("kpis-{}", c.code())>
                    {several.then(|| view! { <h3 class="mb-2 text-sm font-medium text-slate-600">{c.code()}</h3> })}
                    <div class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
                        {card("Spend", money(n.spend_cents, c), relative(cents(n.spend_cents), cents(p.spend_cents)), Better::Neither, "kpi-spend".into())}
                        {card("CPA", money_or_none(n.cpa_cents(), c), relative(cpa(&n), cpa(&p)), Better::Down, "kpi-cpa".into())}
                        {card("Booked revenue", money(n.revenue_cents, c), relative(cents(n.revenue_cents), cents(p.revenue_cents)), Better::Up, "kpi-revenue".into())}
                        {card("Pipeline revenue", money(n.pipeline_cents, c), relative(cents(n.pipeline_cents), cents(p.pipeline_cents)), Better::Up, "kpi-pipeline".into())}
                        {card("ROAS", times(n.roas()), relative(n.roas(), p.roas()), Better::Up, "kpi-roas".into())}
                        {card("Pipeline ROAS", times(n.pipeline_roas()), relative(n.pipeline_roas(), p.pipeline_roas()), Better::Up, "kpi-pipeline-roas".into())}
                    </div>
                </section>
            }
        })
        .collect_view();
    view! {
        <div data-testid="kpis">
            <p class="mb-2 text-xs text-slate-500">
                {format!("Changes compare with {} to {}.", previous.from, previous.to)}
            </p>
            {delivery}
            {money_rows}
        </div>
    }
}
