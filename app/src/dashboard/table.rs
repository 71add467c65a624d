//! The creative table: one line per creative with its sums over the range,
//! sortable by clicking a column (a link: it works without JavaScript), paged,
//! and exported as CSV with exactly these columns.

use super::format::{NONE, count, money, money_or_none, percent, times};
use super::href;
use leptos::prelude::*;
use titan::domain::analytics::{CreativeLine, CreativeTable, SortKey};
use titan::domain::dashboard_query::{DashboardQuery, ParsedQuery};

/// The columns a person can sort by, with their headings.
const SORTABLE: [(SortKey, &str); 7] = [
    (SortKey::Name, "Creative"),
    (SortKey::Spend, "Spend"),
    (SortKey::Impressions, "Impressions"),
    (SortKey::HookRate, "Hook rate"),
    (SortKey::Ctr, "CTR"),
    (SortKey::Cpa, "CPA"),
    (SortKey::Roas, "ROAS"),
];

fn heading(key: SortKey) -> &'static str {
    SORTABLE
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, h)| h)
}

/// A sortable column heading: a link to the same view sorted by `key`
/// (clicking the current sort reverses it).
fn sort_link(query: &DashboardQuery, parsed: &ParsedQuery, key: SortKey) -> impl IntoView + use<> {
    let current = parsed.sort == key;
    let descending = if current {
        !parsed.descending
    } else {
        key != SortKey::Name
    };
    let target = DashboardQuery {
        sort: key.as_str().to_owned(),
        dir: if descending { "desc" } else { "asc" }.to_owned(),
        page: String::new(),
        ..query.clone()
    };
    let arrow = match (current, parsed.descending) {
        (false, _) => "",
        (true, true) => " ↓",
        (true, false) => " ↑",
    };
    let sort_state = match (current, parsed.descending) {
        (false, _) => "none",
        (true, true) => "descending",
        (true, false) => "ascending",
    };
    view! {
        <a
            href=href("/analytics", &target)
            class="hover:underline"
            data-sort=key.as_str()
            aria-sort=sort_state
        >
            {heading(key)}
            {arrow}
        </a>
    }
}

/// The headings of the table's columns, as the CSV export names them.
pub const EXPORT_HEADINGS: [&str; 12] = [
    "Creative",
    "Campaign",
    "Platform",
    "Placement",
    "Hook",
    "Spend",
    "Impressions",
    "Hook rate",
    "CTR",
    "Predicted CTR",
    "CPA",
    "ROAS",
];

/// One line's cells as the table shows them, in [`EXPORT_HEADINGS`] order: the
/// page and the CSV export write the same text.
pub fn line_cells(line: &CreativeLine) -> [String; 12] {
    let c = line.currency;
    let t = &line.totals;
    [
        line.name.clone(),
        line.campaign_name.clone(),
        line.platform.label().to_owned(),
        line.placement.label().to_owned(),
        line.hook_class.clone().unwrap_or_else(|| NONE.to_owned()),
        money(t.spend_cents, c),
        count(t.impressions),
        percent(t.hook_rate()),
        percent(t.ctr()),
        line.predicted_ctr
            .map_or_else(|| NONE.to_owned(), |p| percent(Some(p))),
        money_or_none(t.cpa_cents(), c),
        times(t.roas()),
    ]
}

fn line_row(line: CreativeLine) -> impl IntoView {
    let [
        name,
        campaign,
        platform,
        placement,
        hook,
        spend,
        impressions,
        hook_rate,
        ctr,
        predicted,
        cpa,
        roas,
    ] = line_cells(&line);
    let num = "px-3 py-2 text-right tabular-nums";
    view! {
        <tr class="border-t border-slate-100" data-creative=line.id>
            <td class="px-3 py-2">
                <span class="font-medium" data-col="name">{name}</span>
                <a href=format!("/campaigns/{}", line.campaign_id) class="block text-xs text-slate-500 hover:underline" data-col="campaign">
                    {campaign}
                </a>
            </td>
            <td class="px-3 py-2 text-xs text-slate-600">
                <span data-col="platform">{platform}</span>" · "<span data-col="placement">{placement}</span>
            </td>
            <td class="px-3 py-2 text-xs" data-col="hook">{hook}</td>
            <td class=num data-col="spend">{spend}</td>
            <td class=num data-col="impressions">{impressions}</td>
            <td class=num data-col="hook_rate">{hook_rate}</td>
            <td class=num data-col="ctr">{ctr}</td>
            <td class=format!("{num} text-slate-500") data-col="predicted_ctr">{predicted}</td>
            <td class=num data-col="cpa">{cpa}</td>
            <td class=num data-col="roas">{roas}</td>
        </tr>
    }
}

/// The table, its pages and the export link.
#[component]
pub fn CreativeTableView(
    table: CreativeTable,
    query: DashboardQuery,
    parsed: ParsedQuery,
) -> impl IntoView {
    let page = parsed.page;
    let total = table.total;
    let first = page.offset() + 1;
    let last = page.offset() + table.lines.len() as i64;
    let page_link = |n: u32| {
        href(
            "/analytics",
            &DashboardQuery {
                page: n.to_string(),
                ..query.clone()
            },
        )
    };
    let previous = (page.page > 1).then(|| page_link(page.page - 1));
    let next = (last < total).then(|| page_link(page.page + 1));
    let export = href(
        "/analytics/export.csv",
        &DashboardQuery {
            page: String::new(),
            per_page: String::new(),
            ..query.clone()
        },
    );
    let th = "px-3 py-2 text-right font-medium";
    let empty = table.lines.is_empty();
    view! {
        <section class="mt-6 rounded-xl bg-white shadow-sm" data-testid="creative-table">
            <header class="flex flex-wrap items-center justify-between gap-2 p-4">
                <h2 class="font-semibold">"Creatives"</h2>
                <a href=export class="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100" data-testid="export-csv" download="creatives.csv">
                    "Export CSV"
                </a>
            </header>
            <div class="overflow-x-auto">
                <table class="min-w-full text-sm">
                    <thead class="bg-slate-50 text-xs text-slate-600">
                        <tr>
                            <th class="px-3 py-2 text-left font-medium">{sort_link(&query, &parsed, SortKey::Name)}</th>
                            <th class="px-3 py-2 text-left font-medium">"Platform"</th>
                            <th class="px-3 py-2 text-left font-medium">"Hook"</th>
                            <th class=th>{sort_link(&query, &parsed, SortKey::Spend)}</th>
                            <th class=th>{sort_link(&query, &parsed, SortKey::Impressions)}</th>
                            <th class=th>{sort_link(&query, &parsed, SortKey::HookRate)}</th>
                            <th class=th>{sort_link(&query, &parsed, SortKey::Ctr)}</th>
                            <th class=th>"Predicted CTR"</th>
                            <th class=th>{sort_link(&query, &parsed, SortKey::Cpa)}</th>
                            <th class=th>{sort_link(&query, &parsed, SortKey::Roas)}</th>
                        </tr>
                    </thead>
                    <tbody>{table.lines.into_iter().map(line_row).collect_view()}</tbody>
                </table>
            </div>
            {empty.then(|| view! {
                <p class="p-4 text-sm text-slate-500">"No creatives match these filters."</p>
            })}
            <nav class="flex flex-wrap items-center gap-3 p-4 text-sm text-slate-600" aria-label="Pages" data-testid="table-pager">
                {previous.map(|h| view! { <a href=h class="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100" rel="prev">"← Previous"</a> })}
                <span data-testid="table-range">
                    {if empty { "0 creatives".to_owned() } else { format!("{first}–{last} of {}", count(total)) }}
                </span>
                {next.map(|h| view! { <a href=h class="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100" rel="next">"Next →"</a> })}
            </nav>
        </section>
    }
}
