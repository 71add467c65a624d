//! The range and filter controls: a GET form, so it works without JavaScript
//! and its result is a URL that can be shared. The sort is carried along.

use leptos::prelude::*;
use titan::domain::creative::Placement;
use titan::domain::dashboard_query::{DashboardQuery, ParsedQuery};
use titan::domain::period::{RangePreset, format_iso};
use titan::domain::{Niche, Platform};

fn range_label(preset: RangePreset) -> &'static str {
    match preset {
        RangePreset::Day => "Last 24 hours",
        RangePreset::Week => "Last 7 days",
        RangePreset::Month => "Last 30 days",
        RangePreset::Quarter => "Last 90 days",
        RangePreset::Custom => "Custom",
    }
}

const SELECT: &str = "rounded border border-slate-300 bg-white px-2 py-1 text-sm";

/// A select of `options` (value, label) with `selected` chosen and an "All" first.
fn choice(
    name: &'static str,
    label: &'static str,
    selected: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <label class="flex flex-col gap-1 text-xs text-slate-600">
            {label}
            <select name=name class=SELECT data-testid=format!("filter-{name}")>
                <option value="" selected=selected.is_empty()>"All"</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is = value == selected;
                        view! { <option value=value selected=is>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The controls of `action` (a page path). With `full`, the campaign,
/// platform, placement and niche filters too; the Overview has a range only.
#[component]
pub fn Filters(
    #[prop(into)] action: String,
    query: DashboardQuery,
    parsed: ParsedQuery,
    #[prop(default = Vec::new())] campaigns: Vec<(i64, String)>,
    #[prop(default = false)] full: bool,
) -> impl IntoView {
    let custom = parsed.preset == RangePreset::Custom;
    let ranges = RangePreset::ALL
        .into_iter()
        .map(|p| {
            let is = p == parsed.preset;
            view! { <option value=p.as_str() selected=is>{range_label(p)}</option> }
        })
        .collect_view();
    let extra = full.then(|| {
        let mut campaign_options: Vec<(String, String)> = campaigns
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect();
        if let Some(id) = parsed.filter.campaign_id
            && !campaign_options.iter().any(|(v, _)| *v == id.to_string())
        {
            campaign_options.push((id.to_string(), format!("Campaign {id}")));
        }
        let codes = |all: Vec<(&'static str, &'static str)>| {
            all.into_iter()
                .map(|(v, l)| (v.to_owned(), l.to_owned()))
                .collect::<Vec<_>>()
        };
        view! {
            {choice("campaign", "Campaign", query.campaign.clone(), campaign_options)}
            {choice("platform", "Platform", query.platform.clone(),
                codes(Platform::ALL.iter().map(|p| (p.as_str(), p.label())).collect()))}
            {choice("placement", "Placement", query.placement.clone(),
                codes(Placement::ALL.iter().map(|p| (p.as_str(), p.label())).collect()))}
            {choice("niche", "Niche", query.niche.clone(),
                codes(Niche::ALL.iter().map(|n| (n.as_str(), n.label())).collect()))}
            <input type="hidden" name="sort" value=query.sort.clone() />
            <input type="hidden" name="dir" value=query.dir.clone() />
        }
    });
    view! {
        <form method="get" action=action class="mb-6 flex flex-wrap items-end gap-3 rounded-xl bg-white p-4 shadow-sm" data-testid="dashboard-filters">
            <label class="flex flex-col gap-1 text-xs text-slate-600">
                "Range"
                <select name="range" class=SELECT data-testid="filter-range">{ranges}</select>
            </label>
            <label class="flex flex-col gap-1 text-xs text-slate-600">
                "From (custom)"
                <input type="date" name="from" class=SELECT value=if custom { format_iso(parsed.period.from) } else { String::new() } />
            </label>
            <label class="flex flex-col gap-1 text-xs text-slate-600">
                "To (custom)"
                <input type="date" name="to" class=SELECT value=if custom { format_iso(parsed.period.to) } else { String::new() } />
            </label>
            {extra}
            <button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700" data-testid="apply-filters">
                "Apply"
            </button>
            <p class="w-full text-xs text-slate-500" data-testid="period">
                {format!("{} to {} ({} days)", parsed.period.from, parsed.period.to, parsed.period.days())}
            </p>
        </form>
    }
}
