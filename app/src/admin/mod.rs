//! The admin area of one workspace: its jobs, its people and its API keys. An admin administers
//! their own workspace only; the installation is operated with the CLI.

pub mod api_keys;
mod api_keys_view;
mod jobs;
pub mod people;
mod people_view;

use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

pub use people::list_users;

/// Admins get the jobs console and the accounts; anyone else one clear refusal
/// (and a 403 status on the server-rendered page).
#[component]
pub fn AdminPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::auth::current_user());
    view! {
        <Title text="Admin" />
        <h1 class="mb-6 text-2xl font-semibold">"Admin"</h1>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    me.await.map(|user| {
                        if user.role.is_admin() {
                            view! { <AdminSections /> }.into_any()
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

/// Server-rendered; the jobs console follows jobs live (an island).
#[component]
fn AdminSections() -> impl IntoView {
    view! {
        <jobs::JobsConsole />
        <people_view::PeopleSection />
        <api_keys_view::ApiKeysSection />
    }
}
