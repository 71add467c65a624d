//! The jobs table with live progress, outputs that play in the page, and actions.
//! Shared by the Renders page (own jobs) and the admin console (every job).

use super::api::{CancelJob, DeleteJob, RetryJob};
use leptos::prelude::*;
use titan::domain::job::{Job, JobStatus, output_url};

/// One small form per action, so each works without JavaScript too.
macro_rules! job_button {
    ($id:expr, $label:expr, $action:expr) => {
        view! {
            <ActionForm action=$action attr:class="inline">
                <input type="hidden" name="id" value=$id />
                <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
                    {$label}
                </button>
            </ActionForm>
        }
    };
}

/// Actions the table's buttons submit.
#[derive(Clone, Copy)]
pub struct JobActions {
    pub cancel: ServerAction<CancelJob>,
    pub retry: ServerAction<RetryJob>,
    /// Only in the admin console.
    pub delete: Option<ServerAction<DeleteJob>>,
}

#[component]
pub fn JobsTable(
    jobs: Vec<Job>,
    actions: JobActions,
    #[prop(optional)] show_owner: bool,
) -> impl IntoView {
    if jobs.is_empty() {
        return view! { <p class="text-sm text-slate-500">"No jobs yet."</p> }.into_any();
    }
    view! {
        <div class="space-y-4" data-testid="jobs">
            {jobs.into_iter().map(|job| view! { <JobCard job actions show_owner /> }).collect_view()}
        </div>
    }
    .into_any()
}

/// Tailwind for a `<progress>` bar: the native look removed, the track and the
/// fill coloured for WebKit/Blink and Firefox.
const PROGRESS_CLASS: &str = "h-2 flex-1 appearance-none overflow-hidden rounded bg-slate-100 \
     [&::-webkit-progress-bar]:bg-slate-100 [&::-webkit-progress-value]:bg-indigo-500 \
     [&::-webkit-progress-value]:transition-all [&::-moz-progress-bar]:bg-indigo-500";

fn status_colour(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "bg-slate-100 text-slate-700",
        JobStatus::Running => "bg-indigo-100 text-indigo-800",
        JobStatus::Succeeded => "bg-emerald-100 text-emerald-800",
        JobStatus::Failed | JobStatus::Dead => "bg-red-100 text-red-800",
        JobStatus::Cancelled => "bg-amber-100 text-amber-800",
    }
}

#[component]
fn JobCard(job: Job, actions: JobActions, show_owner: bool) -> impl IntoView {
    let id = job.id;
    let formats: Vec<&str> = job.input.formats().iter().map(|f| f.code()).collect();
    let cancellable =
        matches!(job.status, JobStatus::Queued | JobStatus::Running) && !job.cancel_requested;
    let retryable = matches!(
        job.status,
        JobStatus::Failed | JobStatus::Dead | JobStatus::Cancelled
    );
    let deletable = job.status.is_final();
    view! {
        <div class="rounded border border-slate-200 p-4" data-job=id data-job-status=job.status.as_str()>
            <div class="flex flex-wrap items-center gap-3 text-sm">
                <span class="font-medium">{format!("Job #{id}")}</span>
                <span class="text-slate-500">{job.kind.as_str()}</span>
                <span class="text-slate-500">{formats.join(" · ")}</span>
                {show_owner.then(|| view! { <span class="text-slate-500">{job.owner_email.clone()}</span> })}
                <span class=format!("rounded px-2 py-0.5 text-xs font-medium {}", status_colour(job.status))>
                    {job.status.as_str()}
                </span>
                <span class="text-xs text-slate-500">{format!("attempt {}/{}", job.attempts, job.max_attempts)}</span>
                <span class="ml-auto flex gap-2">
                    {cancellable.then(|| job_button!(id, "Cancel", actions.cancel))}
                    {retryable.then(|| job_button!(id, if job.status == JobStatus::Dead { "Requeue" } else { "Retry" }, actions.retry))}
                    {actions
                        .delete
                        .filter(|_| deletable)
                        .map(|action| job_button!(id, "Delete", action))}
                </span>
            </div>
            <div class="mt-2 flex items-center gap-3">
                // A native <progress>: its fill comes from `value`, so no inline
                // style is needed (the page's CSP refuses inline styles).
                <progress
                    class=PROGRESS_CLASS
                    max="100"
                    value=job.progress.clamp(0, 100)
                    aria-label=format!("Job #{id} progress")
                    data-testid="progress-bar"
                ></progress>
                <span class="w-12 text-right text-xs tabular-nums" data-testid="progress">{format!("{}%", job.progress)}</span>
                <span class="w-56 truncate text-xs text-slate-500">{job.stage.clone()}</span>
            </div>
            {job.error.clone().filter(|_| !job.status.eq(&JobStatus::Succeeded)).map(|e| view! { <p class="mt-2 text-sm text-red-700">{e}</p> })}
            <div class="mt-3 flex flex-wrap gap-4">
                {job
                    .outputs
                    .iter()
                    .map(|o| {
                        let video = output_url(id, &o.video);
                        let poster = output_url(id, &o.thumbnail);
                        let (w, h) = o.format.size();
                        let width = if w > h { 320 } else { 180 };
                        view! {
                            <figure class="text-xs">
                                <video
                                    controls
                                    preload="metadata"
                                    src=video.clone()
                                    poster=poster
                                    width=width
                                    data-format=o.format.code()
                                ></video>
                                <figcaption class="mt-1 flex gap-2">
                                    <span>{o.format.code()}</span>
                                    <span class="text-slate-500">{format!("{:.1} MB", o.bytes as f64 / 1e6)}</span>
                                    <a class="text-indigo-700 underline" href=format!("{video}?download=1") rel="external">
                                        "Download"
                                    </a>
                                </figcaption>
                            </figure>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}
