//! The admin area: every account of this Titan, for admins only.

use crate::error::AppResult;
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::UserSummary;
use titan::domain::job::{JobKind, JobStatus};

/// Every job of every user: filter by status and kind, cancel, retry, requeue
/// dead jobs, delete with outputs. Filters are query parameters, so the form works
/// without JavaScript and a filtered view can be linked.
#[component]
fn JobsConsole() -> impl IntoView {
    use crate::renders::{CancelJob, DeleteJob, RetryJob, list_jobs};
    use crate::renders::{JobActions, JobsTable};
    use leptos_router::hooks::use_query_map;
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_default();
    let kind = move || query.read().get("kind").unwrap_or_default();
    let page = crate::pager::page_from_query("");
    let actions = JobActions {
        cancel: ServerAction::<CancelJob>::new(),
        retry: ServerAction::<RetryJob>::new(),
        delete: Some(ServerAction::<DeleteJob>::new()),
    };
    let delete = actions.delete;
    let jobs = Resource::new(
        move || {
            (
                status(),
                kind(),
                actions.cancel.version().get(),
                actions.retry.version().get(),
                delete.map(|d| d.version().get()),
                page(),
            )
        },
        |(status, kind, _, _, _, (page, per_page))| list_jobs(true, status, kind, page, per_page),
    );
    let live = crate::renders::live_jobs(true);
    let error = Signal::derive(move || {
        actions
            .cancel
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| actions.retry.value().get().and_then(|r| r.err()))
            .or_else(|| delete.and_then(|d| d.value().get()).and_then(|r| r.err()))
    });
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <div class="mb-4 flex flex-wrap items-end justify-between gap-4">
                <h2 class="text-lg font-semibold">"Jobs"</h2>
                <form method="get" action="/admin" class="flex items-end gap-3 text-sm">
                    <label>
                        "Status "
                        <select name="status" class="rounded border border-slate-300 px-2 py-1">
                            <option value="">"any"</option>
                            {JobStatus::ALL
                                .iter()
                                .map(|s| view! { <option value=s.as_str() selected=move || status() == s.as_str()>{s.as_str()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <label>
                        "Kind "
                        <select name="kind" class="rounded border border-slate-300 px-2 py-1">
                            <option value="">"any"</option>
                            {JobKind::ALL
                                .iter()
                                .map(|k| view! { <option value=k.as_str() selected=move || kind() == k.as_str()>{k.as_str()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="rounded border border-slate-300 px-3 py-1 hover:bg-slate-100">"Filter"</button>
                </form>
            </div>
            <crate::ui::FormError error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        jobs.await.map(|listed| {
                            let count = listed.len();
                            view! {
                                {move || {
                                    let (s, k) = (status(), kind());
                                    let mut shown = crate::renders::merge_live(listed.clone(), &live.read());
                                    shown.retain(|j| (s.is_empty() || j.status.as_str() == s) && (k.is_empty() || j.kind.as_str() == k));
                                    view! { <JobsTable jobs=shown actions show_owner=true /> }
                                }}
                                <crate::pager::Pager prefix="" shown=count />
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// Every account with its workspace and role. Admin only: a marketer gets 403.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users() -> AppResult<Vec<UserSummary>> {
    use crate::guard::{require_admin, state};
    require_admin()?;
    Ok(titan::accounts::users::list_users(&state()?.db).await?)
}

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

#[component]
fn AdminSections() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <JobsConsole />
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
