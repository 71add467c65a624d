//! Overview, the pages of capabilities still being built, and the 404 page.

use crate::campaigns::list_campaigns;
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::{Campaign, CampaignStatus};

/// Real numbers only: counts of this workspace's campaigns by status and the
/// daily budget of the active ones, per currency.
#[component]
pub fn Overview() -> impl IntoView {
    // The largest page: the summary counts at most 200 campaigns.
    let campaigns = Resource::new(
        || (),
        |_| list_campaigns(false, String::new(), "200".into()),
    );
    view! {
        <Title text="Overview" />
        <h1 class="mb-6 text-2xl font-semibold">"Overview"</h1>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    campaigns.await.map(|list| view! { <CampaignSummary list /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn CampaignSummary(list: Vec<Campaign>) -> impl IntoView {
    let count = |s: CampaignStatus| list.iter().filter(|c| c.status == s).count();
    let cards = [
        ("Active", count(CampaignStatus::Active)),
        ("Paused", count(CampaignStatus::Paused)),
        ("Drafts", count(CampaignStatus::Draft)),
    ];
    let mut budgets: Vec<(String, i64)> = Vec::new();
    for c in list.iter().filter(|c| c.status == CampaignStatus::Active) {
        let code = c.daily_budget.currency().code().to_owned();
        match budgets.iter_mut().find(|(k, _)| *k == code) {
            Some((_, total)) => *total += c.daily_budget.cents(),
            None => budgets.push((code, c.daily_budget.cents())),
        }
    }
    view! {
        <div class="grid gap-4 md:grid-cols-3">
            {cards
                .into_iter()
                .map(|(label, n)| {
                    view! {
                        <div class="rounded-xl bg-white p-5 shadow-sm">
                            <p class="text-sm text-slate-500">{label} " campaigns"</p>
                            <p class="text-3xl font-semibold">{n}</p>
                        </div>
                    }
                })
                .collect_view()}
        </div>
        <div class="mt-6 rounded-xl bg-white p-5 shadow-sm">
            <p class="text-sm text-slate-500">"Daily budget of active campaigns"</p>
            {if budgets.is_empty() {
                view! { <p class="mt-1 text-slate-600">"No active campaigns."</p> }.into_any()
            } else {
                budgets
                    .into_iter()
                    .map(|(code, cents)| {
                        view! {
                            <p class="text-xl font-semibold">
                                {format!("{}.{:02} {code}", cents / 100, cents % 100)}
                            </p>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </div>
    }
}

/// A page whose capability is not built yet says so, and shows no numbers.
#[component]
fn ComingSoon(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=title />
        <h1 class="mb-4 text-2xl font-semibold">{title}</h1>
        <div class="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-slate-600">
            <p class="font-medium">"Coming soon."</p>
            <p class="mt-2 text-sm">{what}</p>
        </div>
    }
}

#[component]
pub fn Analytics() -> impl IntoView {
    view! {
        <ComingSoon
            title="Analytics"
            what="Performance and pipeline ROAS from your ad platforms and CRM. Not available yet."
        />
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <main class="flex min-h-screen flex-col items-center justify-center gap-4">
            <h1 class="text-3xl font-semibold">"Page not found"</h1>
            <p class="text-slate-600">"There is nothing at this address."</p>
            <a href="/" class="text-indigo-700 underline">"Go to the overview"</a>
        </main>
    }
}
