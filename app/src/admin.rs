//! The admin area: every account of this Titan, for admins only.

use crate::error::AppResult;
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::UserSummary;

/// Every account with its workspace and role. Admin only: a marketer gets 403.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users() -> AppResult<Vec<UserSummary>> {
    use crate::guard::{require_admin, state};
    require_admin()?;
    Ok(titan::accounts::users::list_users(&state()?.db).await?)
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="Admin" />
        <h1 class="mb-6 text-2xl font-semibold">"Admin"</h1>
        <section class="rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-4 text-lg font-semibold">"Accounts"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "Create accounts with "
                <code>"titan-server create-user --email … --role admin|marketer"</code>
                "."
            </p>
            <Suspense fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        users.await.map(|list| view! { <UserTable list /> })
                    })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

#[component]
fn UserTable(list: Vec<UserSummary>) -> impl IntoView {
    view! {
        <table class="w-full text-left text-sm">
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Email"</th>
                    <th>"Role"</th>
                    <th>"Workspace"</th>
                    <th>"Created"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|u| {
                        view! {
                            <tr class="border-b last:border-0">
                                <td class="py-2">
                                    {u.email}
                                    {u.is_demo.then(|| view! { <span class="ml-2 text-xs text-amber-700">"demo"</span> })}
                                </td>
                                <td>{u.role.as_str()}</td>
                                <td>{u.workspace_name}</td>
                                <td>{u.created_at.date().to_string()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
