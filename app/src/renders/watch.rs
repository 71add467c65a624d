//! A job a page waits for (an analysis, a training), followed live. The page
//! around it is server-rendered; this line is the only part that runs in the
//! browser (an island). When the job ends, the page is loaded again, so what
//! the job made (an analysis, a new model) shows as the server renders it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use titan::domain::job::{Job, JobStatus};

/// What the line shows of a job: an island's props are written into the page,
/// so they carry no more than the line needs (not the owner, input or outputs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WatchedJob {
    pub id: i64,
    pub status: JobStatus,
    pub stage: String,
    pub progress: i32,
}

impl From<&Job> for WatchedJob {
    fn from(job: &Job) -> Self {
        WatchedJob {
            id: job.id,
            status: job.status,
            stage: job.stage.clone(),
            progress: job.progress,
        }
    }
}

/// How often the job is read again whatever the event stream says: the stream
/// carries only the person's own jobs, and an admin may watch another's (or a
/// schedule's) training.
#[cfg(feature = "hydrate")]
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// "`label` #id is running: stage (40 %)", following the job until it ends.
#[island]
pub fn JobWatch(job: WatchedJob, label: String, testid: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let id = job.id;
    let current = RwSignal::new(job);
    #[cfg(feature = "hydrate")]
    {
        let live = super::live::subscribe(false);
        // Changes the stream carries.
        Effect::new(move |_| {
            if let Some(job) = live.with(|jobs| jobs.get(&id).map(WatchedJob::from)) {
                current.set(job);
            }
        });
        // The stream carries changes from when it connects: the job is read
        // then, in case it ended in between, and every POLL_EVERY.
        Effect::new(move |_| {
            if live.connections() > 0 {
                read_again(id, current);
            }
        });
        if let Err(e) = set_interval_with_handle(move || read_again(id, current), POLL_EVERY) {
            leptos::logging::error!("cannot poll job {id}: {e:?}");
        }
        Effect::new(move |_| {
            if current.with(|j| j.status.is_final()) {
                reload();
            }
        });
    }
    move || {
        let j = current.get();
        view! {
            <p class="mt-2 text-sm text-slate-600" data-testid=testid.clone() data-job-status=j.status.as_str()>
                {format!("{label} #{} is {}: {} ({} %)", j.id, j.status.as_str(), j.stage, j.progress)}
            </p>
        }
    }
}

/// Reads the job from the server into `current`.
#[cfg(feature = "hydrate")]
fn read_again(id: i64, current: RwSignal<WatchedJob>) {
    leptos::task::spawn_local(async move {
        match super::api::job_state(id).await {
            Ok(now) => current.set(WatchedJob::from(&now)),
            Err(e) => leptos::logging::error!("cannot read job {id}: {e}"),
        }
    });
}

/// Loads the page again from the server.
#[cfg(feature = "hydrate")]
fn reload() {
    if let Err(e) = window().location().reload() {
        leptos::logging::error!("cannot reload the page: {e:?}");
    }
}
