//! The Integrations page of a workspace (admins only): HubSpot, the conversions
//! webhook, how click IPs are stored, and what each deal stage is worth.

pub mod api;
mod stages;
mod view;

use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

/// Whole cents as dollars, grouped: 225000 → "$2,250.00".
pub(crate) fn dollars(cents: i64) -> String {
    titan::domain::money::format_cents(cents, titan::domain::Currency::USD)
}

/// Counts the successful completions of an action (not its failures), so a
/// resource refetched on it keeps what a person typed when a save is refused.
pub(crate) fn successes(
    ok: impl Fn() -> bool + Send + Sync + 'static,
    version: RwSignal<usize>,
) -> Memo<usize> {
    Memo::new(move |prev: Option<&usize>| {
        let current = version.get();
        if ok() {
            current
        } else {
            prev.copied().unwrap_or(0)
        }
    })
}

/// Admins get the settings; anyone else one clear refusal (and a 403 status on
/// the server-rendered page), as on the Admin page.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::auth::current_user());
    view! {
        <Title text="Integrations" />
        <h1 class="mb-6 text-2xl font-semibold">"Integrations"</h1>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    me.await.map(|user| {
                        if user.role.is_admin() {
                            view! { <view::IntegrationsSections /> }.into_any()
                        } else {
                            #[cfg(feature = "ssr")]
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(http::StatusCode::FORBIDDEN);
                            }
                            view! {
                                <div role="alert" class="rounded border border-red-200 bg-red-50 p-4 text-red-800">
                                    {crate::AppError::Forbidden.to_string()}
                                </div>
                            }
                            .into_any()
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dollars_are_grouped() {
        assert_eq!(super::dollars(225_000), "$2,250.00");
        assert_eq!(super::dollars(5), "$0.05");
        assert_eq!(super::dollars(123_456_789), "$1,234,567.89");
        assert_eq!(super::dollars(-1_000), "-$10.00");
    }
}
