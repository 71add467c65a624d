//! Titan's user interface and the server functions behind it.
//!
//! Built twice by cargo-leptos: with `ssr` into the server binary, where server
//! functions run and pages render to HTML, and with `hydrate` into wasm. Leptos
//! islands: a page is server-rendered and works as HTML with plain forms; only
//! the components marked `#[island]` (the parts that act in place or follow
//! jobs live) are in the wasm and take over their part of the page, which keeps
//! the browser's download small. Server functions are thin: check the caller
//! (see [`guard`]), call the core, map the error.

pub mod account;
pub mod admin;
pub mod alerts;
pub mod auth;
pub mod campaigns;
mod chart;
pub mod dashboard;
pub mod error;
pub mod experiments;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod integrations;
mod layout;
mod pager;
mod pages;
mod query;
pub mod renders;
#[cfg(feature = "ssr")]
pub mod security;
pub mod set_password;
#[cfg(feature = "ssr")]
pub mod state;
pub mod studio;
mod ui;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use error::{AppError, AppResult};

/// The HTML document around the app; runs only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::apply_page_headers(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" sizes="32x32" />
                <link rel="icon" href="/icon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/apple-touch-icon.png" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <meta name="robots" content="noindex, nofollow" />
                <meta name="theme-color" content="#4338ca" />
                // The stylesheet's name carries its content hash in built sites.
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Pages render in order (`SsrMode::InOrder`): each Suspense's content is in the
/// HTML itself, not streamed in by script, so every page and form works before
/// the wasm loads, or without JavaScript at all.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Titan".to_owned() } else { format!("{page} · Titan") }
        } />
        <HydrationMark />
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::InOrder />
                <Route path=path!("/set-password") view=set_password::SetPasswordPage ssr=SsrMode::InOrder />
                <ParentRoute path=path!("") view=layout::AppShell ssr=SsrMode::InOrder>
                    <Route path=path!("") view=dashboard::OverviewPage ssr=SsrMode::InOrder />
                    <Route path=path!("campaigns") view=campaigns::CampaignsPage ssr=SsrMode::InOrder />
                    <Route path=path!("campaigns/:id") view=campaigns::CampaignEditPage ssr=SsrMode::InOrder />
                    <Route path=path!("studio") view=studio::StudioPage ssr=SsrMode::InOrder />
                    <Route path=path!("experiments") view=experiments::ExperimentsPage ssr=SsrMode::InOrder />
                    <Route path=path!("experiments/:id") view=experiments::ExperimentPage ssr=SsrMode::InOrder />
                    <Route path=path!("renders") view=renders::RendersPage ssr=SsrMode::InOrder />
                    <Route path=path!("alerts") view=alerts::AlertsPage ssr=SsrMode::InOrder />
                    <Route path=path!("analytics") view=dashboard::AnalyticsPage ssr=SsrMode::InOrder />
                    <Route path=path!("admin") view=admin::AdminPage ssr=SsrMode::InOrder />
                    <Route path=path!("integrations") view=integrations::IntegrationsPage ssr=SsrMode::InOrder />
                    <Route path=path!("account") view=account::AccountPage ssr=SsrMode::InOrder />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Marks the page once the wasm took over, for people debugging and for the
/// browser tests (effects run only in the browser). The smallest island: the
/// rest of the page is server-rendered HTML and needs no code in the browser.
#[island]
fn HydrationMark() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body()
            && let Err(e) = body.set_attribute("data-hydrated", "true")
        {
            leptos::logging::error!("cannot mark the page hydrated: {e:?}");
        }
    });
}

/// Entry point of the wasm build: hydrate the page's islands.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
