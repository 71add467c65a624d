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
    // The phone menu closes when a link in it is followed.
    let menu_toggle = NodeRef::<leptos::html::Input>::new();
    view! {
        // Phones: the navigation is a bar with a Menu toggle (a checkbox and its
        // label, so it works before the wasm loads); from `md` up, a sidebar.
        <div class="min-h-screen md:flex">
            <nav class="bg-slate-900 px-4 py-3 text-slate-100 md:w-56 md:shrink-0 md:py-6" aria-label="Main">
                <div class="flex items-center justify-between md:mb-8">
                    <a href="/" class="block text-xl font-bold tracking-tight">"Titan"</a>
                    <label for="nav-toggle" class="cursor-pointer rounded border border-slate-600 px-3 py-1 text-sm md:hidden" data-testid="menu-toggle">
                        "Menu"
                    </label>
                </div>
                <input type="checkbox" id="nav-toggle" class="peer sr-only" aria-label="Show the menu" node_ref=menu_toggle />
                <ul
                    class="mt-3 hidden space-y-1 peer-checked:block md:mt-0 md:block"
                    data-testid="main-nav"
                    on:click=move |_| {
                        if let Some(input) = menu_toggle.get() {
                            input.set_checked(false);
                        }
                    }
                >
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
            <div class="min-w-0 flex-1">
                <header class="flex flex-wrap items-center justify-end gap-x-4 gap-y-2 border-b bg-white px-4 py-3 text-sm md:px-8">
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
                <main class="px-4 py-4 md:px-8 md:py-6">
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
            <span class="hidden font-medium sm:inline">{user.email}</span>
            <span class="ml-2 rounded bg-slate-100 px-2 py-0.5 text-xs uppercase text-slate-600" data-testid="current-role">
                {user.role.as_str()}
            </span>
            <span class="ml-2 text-slate-500">{user.workspace_name}</span>
        </span>
    }
}
