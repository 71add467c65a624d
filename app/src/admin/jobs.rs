//! The jobs console: every job of the admin's workspace, filtered by status and
//! kind, with cancel, retry/requeue and delete. Which jobs an admin sees is
//! decided in the core (`titan::jobs::service::visible_filter`).

use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use titan::domain::job::{JobKind, JobStatus};

/// Every job of the workspace: filter by status and kind, cancel, retry, requeue
/// dead jobs, delete with outputs. Filters are query parameters, so the form works
/// without JavaScript and a filtered view can be linked. An island: progress
/// moves live, and cancel, retry and delete act in place.
#[island]
pub fn JobsConsole() -> impl IntoView {
    use crate::renders::{CancelJob, DeleteJob, RetryJob, list_jobs};
    use crate::renders::{JobActions, JobsTable};
    let query = crate::query::use_query();
    let status = move || query.read().get("status").unwrap_or_default();
    let kind = move || query.read().get("kind").unwrap_or_default();
    let page = crate::pager::page_from_query("");
    let actions = JobActions {
        cancel: ServerAction::<CancelJob>::new(),
        retry: ServerAction::<RetryJob>::new(),
        delete: Some(ServerAction::<DeleteJob>::new()),
    };
    let delete = actions.delete;
    let live = crate::renders::live_jobs(true);
    let jobs = Resource::new(
        move || {
            (
                live.connections(),
                status(),
                kind(),
                actions.cancel.version().get(),
                actions.retry.version().get(),
                delete.map(|d| d.version().get()),
                page(),
            )
        },
        |(_, status, kind, _, _, _, (page, per_page))| {
            list_jobs(true, status, kind, page, per_page)
        },
    );
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
                                    let mut shown = crate::renders::merge_live(listed.clone(), &live.jobs.read());
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
