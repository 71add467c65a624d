//! The signed-in frame: navigation, the user and their role, and the page.

use crate::auth::{Logout, LogoutEverywhere, current_user};
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use titan::domain::SessionUser;

const NAV: &[(&str, &str)] = &[
    ("/", "Overview"),
    ("/campaigns", "Campaigns"),
    ("/studio", "Studio"),
    ("/experiments", "Experiments"),
    ("/renders", "Renders"),
    ("/analytics", "Analytics"),
];

#[component]
pub fn AppShell() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    let logout = ServerAction::<Logout>::new();
    let logout_everywhere = ServerAction::<LogoutEverywhere>::new();
    // Shared with the Alerts page, so acting on an alert refreshes the badge.
    provide_context(crate::alerts::AlertActions(ServerAction::new()));
    view! {
        <div class="flex min-h-screen">
            <nav class="w-56 shrink-0 bg-slate-900 px-4 py-6 text-slate-100">
                <a href="/" class="mb-8 block text-xl font-bold tracking-tight">"Titan"</a>
                <ul class="space-y-1">
                    {NAV
                        .iter()
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <A
                                        href=*href
                                        exact=true
                                        attr:class="block rounded px-3 py-2 text-sm hover:bg-slate-800 aria-[current=page]:bg-slate-700"
                                    >
                                        {*label}
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                    <li>
                        <A
                            href="/alerts"
                            attr:class="flex items-center rounded px-3 py-2 text-sm hover:bg-slate-800 aria-[current=page]:bg-slate-700"
                        >
                            "Alerts"
                            <crate::alerts::AlertsBadge />
                        </A>
                    </li>
                    <Transition>
                        {move || Suspend::new(async move {
                            user.await
                                .ok()
                                .filter(|u| u.role.is_admin())
                                .map(|_| {
                                    view! {
                                        <li>
                                            <A
                                                href="/admin"
                                                attr:class="block rounded px-3 py-2 text-sm hover:bg-slate-800 aria-[current=page]:bg-slate-700"
                                            >
                                                "Admin"
                                            </A>
                                        </li>
                                        <li>
                                            <A
                                                href="/integrations"
                                                attr:class="block rounded px-3 py-2 text-sm hover:bg-slate-800 aria-[current=page]:bg-slate-700"
                                            >
                                                "Integrations"
                                            </A>
                                        </li>
                                    }
                                })
                        })}
                    </Transition>
                </ul>
            </nav>
            <div class="flex-1">
                <header class="flex items-center justify-end gap-4 border-b bg-white px-8 py-3 text-sm">
                    <Transition fallback=Loading>
                        <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                            {move || Suspend::new(async move {
                                user.await.map(|u| view! { <UserBadge user=u /> })
                            })}
                        </ErrorBoundary>
                    </Transition>
                    <details class="relative" data-testid="account-menu">
                        <summary class="cursor-pointer list-none rounded px-2 py-1 text-slate-600 hover:bg-slate-100">
                            "Account"
                        </summary>
                        <div class="absolute right-0 z-10 mt-2 w-56 rounded border bg-white p-1 shadow">
                            <a href="/account" class="block rounded px-3 py-2 hover:bg-slate-100">
                                "Change password"
                            </a>
                            <ActionForm action=logout_everywhere>
                                <button
                                    type="submit"
                                    data-testid="sign-out-everywhere"
                                    title="Ends your sessions on every device and browser, this one too"
                                    class="block w-full rounded px-3 py-2 text-left hover:bg-slate-100"
                                >
                                    "Sign out everywhere"
                                </button>
                            </ActionForm>
                        </div>
                    </details>
                    <ActionForm action=logout>
                        <button type="submit" class="rounded border border-slate-300 px-3 py-1 hover:bg-slate-100">
                            "Sign out"
                        </button>
                    </ActionForm>
                </header>
                <main class="px-8 py-6">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

#[component]
fn UserBadge(user: SessionUser) -> impl IntoView {
    view! {
        <span data-testid="current-user">
            <span class="font-medium">{user.email}</span>
            <span class="ml-2 rounded bg-slate-100 px-2 py-0.5 text-xs uppercase text-slate-600" data-testid="current-role">
                {user.role.as_str()}
            </span>
            <span class="ml-2 text-slate-500">{user.workspace_name}</span>
        </span>
    }
}
