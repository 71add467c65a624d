//! The Alerts page: alerts by status, with their evidence and what they are
//! about, each with Acknowledge, Snooze 24 h and Resolve.

use super::api::{ActOnAlert, list_alerts};
use crate::ui::{ErrorPanel, FormError, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::learning::{Alert, AlertStatus};

const SMALL: &str = "rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100";

fn when(unix: i64) -> String {
    titan::domain::minute_utc(unix).unwrap_or_default()
}

/// An evidence number as a person reads it: whole numbers without decimals.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

fn status_label(status: Option<AlertStatus>) -> &'static str {
    match status {
        None => "All active",
        Some(AlertStatus::Open) => "Open",
        Some(AlertStatus::Acknowledged) => "Acknowledged",
        Some(AlertStatus::Snoozed) => "Snoozed",
        Some(AlertStatus::Resolved) => "Resolved",
    }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let act = super::alert_actions();
    let query = crate::query::use_query();
    let status = Memo::new(move |_| {
        query
            .read()
            .get("status")
            .and_then(|s| AlertStatus::parse(&s))
    });
    let alerts = Resource::new(
        move || (status.get(), act.version().get()),
        |(status, _)| list_alerts(status.map(|s| s.as_str().to_owned()).unwrap_or_default(), 0),
    );
    let error = Signal::derive(move || act.value().get().and_then(|r| r.err()));
    let filters = std::iter::once(None).chain(AlertStatus::ALL.into_iter().map(Some));
    view! {
        <Title text="Alerts" />
        <h1 class="mb-6 text-2xl font-semibold">"Alerts"</h1>
        <nav aria-label="Alert status" class="mb-4 flex flex-wrap gap-2 text-sm" data-testid="alert-filters">
            {filters
                .map(|s| {
                    let href = match s {
                        None => "/alerts".to_owned(),
                        Some(s) => format!("/alerts?status={}", s.as_str()),
                    };
                    view! {
                        <a
                            href=href
                            aria-current=move || (status.get() == s).then_some("page")
                            class="rounded-full border border-slate-300 px-3 py-1 hover:bg-slate-100 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white"
                        >
                            {status_label(s)}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <FormError error />
        <Transition fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    alerts.await.map(|list| {
                        if list.is_empty() {
                            view! {
                                <p class="rounded-xl bg-white p-6 text-sm text-slate-500 shadow-sm" data-testid="no-alerts">
                                    "No alerts. Titan scans creatives for fatigue every day."
                                </p>
                            }
                            .into_any()
                        } else {
                            view! {
                                <ul class="space-y-3" data-testid="alerts">
                                    {list.into_iter().map(|alert| view! { <AlertItem alert act /> }).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn AlertItem(alert: Alert, act: ServerAction<ActOnAlert>) -> impl IntoView {
    let id = alert.id;
    let button = move |action: &'static str, label: &'static str| {
        view! {
            <ActionForm action=act attr:class="inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" class=SMALL>{label}</button>
            </ActionForm>
        }
    };
    let about = match (alert.creative_id, alert.job_id) {
        (Some(creative), _) => {
            let name = alert
                .creative_name
                .clone()
                .unwrap_or_else(|| format!("creative #{creative}"));
            view! {
                <a class="text-indigo-700 underline" href=format!("/studio?creative={creative}")>{name}</a>
            }
            .into_any()
        }
        (None, Some(job)) => view! { <span>{format!("Job #{job}")}</span> }.into_any(),
        (None, None) => ().into_any(),
    };
    let state = match (alert.status, alert.snoozed_until) {
        (AlertStatus::Snoozed, Some(until)) => format!("snoozed until {}", when(until)),
        (status, _) => status.as_str().to_owned(),
    };
    view! {
        <li class="rounded-xl bg-white p-4 shadow-sm" data-alert=id data-alert-status=alert.status.as_str()>
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h2 class="font-semibold">{alert.headline.clone()}</h2>
                    <p class="text-xs text-slate-500">
                        <span class="font-mono">{alert.kind.clone()}</span>
                        {format!(" · {} · raised {}", state, when(alert.created_at))}
                    </p>
                    <p class="mt-1 text-sm">{about}</p>
                </div>
                <div class="flex gap-2">
                    {(alert.status != AlertStatus::Acknowledged
                        && alert.status != AlertStatus::Resolved)
                        .then(|| button("acknowledge", "Acknowledge"))}
                    {(alert.status != AlertStatus::Resolved).then(|| button("snooze", "Snooze 24 h"))}
                    {(alert.status != AlertStatus::Resolved).then(|| button("resolve", "Resolve"))}
                </div>
            </div>
            {(!alert.evidence.is_empty()).then(|| view! {
                <dl class="mt-2 grid grid-cols-[max-content_max-content] gap-x-4 text-xs text-slate-600" data-testid="alert-evidence">
                    {alert.evidence.into_iter().map(|(name, value)| view! {
                        <dt>{name}</dt>
                        <dd class="font-mono">{number(value)}</dd>
                    }).collect_view()}
                </dl>
            })}
        </li>
    }
}
