//! The 404 page.

use leptos::prelude::*;
use leptos_meta::Title;

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
