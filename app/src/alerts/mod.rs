//! Alerts: creatives wearing out (from the daily fatigue scan) and, for admins,
//! jobs that failed. The navigation shows how many are open.

pub mod api;
mod view;

pub use api::{ActOnAlert, open_alert_count};
pub use view::AlertsPage;

use leptos::prelude::*;

/// The action that acknowledges, snoozes or resolves an alert, made once by the
/// signed-in frame so that the badge in the navigation refreshes when the Alerts
/// page changes an alert.
#[derive(Clone, Copy)]
pub struct AlertActions(pub ServerAction<ActOnAlert>);

/// The shared action, or a new one when no frame provided it.
pub fn alert_actions() -> ServerAction<ActOnAlert> {
    use_context::<AlertActions>()
        .map(|a| a.0)
        .unwrap_or_default()
}

/// The badge beside "Alerts" in the navigation: the open count, hidden when 0.
#[component]
pub fn AlertsBadge() -> impl IntoView {
    let act = alert_actions();
    let count = Resource::new(move || act.version().get(), |_| open_alert_count());
    view! {
        <Transition>
            {move || Suspend::new(async move {
                count.await.ok().filter(|n| *n > 0).map(|n| view! {
                    <span
                        class="ml-2 rounded-full bg-red-600 px-2 py-0.5 text-xs font-semibold text-white"
                        data-testid="alerts-badge"
                        title=format!("{n} open")
                    >
                        {n}
                    </span>
                })
            })}
        </Transition>
    }
}
