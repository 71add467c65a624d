//! Live job updates in the browser: an EventSource on `/api/v1/jobs/events`
//! feeding a signal of the latest version of each job. When the session ends
//! (signed out elsewhere, password changed, account deactivated) the stream says
//! `signed-out` and the page goes to the sign-in page.
//!
//! The stream carries changes, not the state before it opened: a page reads its
//! jobs again each time the stream (re)connects ([`LiveJobs::connections`]), so
//! a job that moved between the page's render and the connection is not missed.

use leptos::prelude::*;
use std::collections::HashMap;
use titan::domain::job::Job;

/// Latest versions of jobs seen on the event stream, by id, and how often the
/// stream has connected.
#[derive(Clone, Copy)]
pub struct LiveJobs {
    pub jobs: RwSignal<HashMap<i64, Job>>,
    connected: RwSignal<u32>,
}

impl LiveJobs {
    /// Reads the jobs seen so far (tracked).
    pub fn with<R>(&self, f: impl FnOnce(&HashMap<i64, Job>) -> R) -> R {
        self.jobs.with(f)
    }

    /// How many times the stream has connected (tracked; 0 on the server): what
    /// a page's job list depends on, to be read again once it listens.
    pub fn connections(&self) -> u32 {
        self.connected.get()
    }
}

/// Subscribes while the calling component lives. Does nothing on the server.
pub fn subscribe(
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))] all: bool,
) -> LiveJobs {
    let live = LiveJobs {
        jobs: RwSignal::new(HashMap::new()),
        connected: RwSignal::new(0),
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| open_stream(live, all));
    live
}

#[cfg(feature = "hydrate")]
fn open_stream(live: LiveJobs, all: bool) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let url = if all {
        "/api/v1/jobs/events?all=true"
    } else {
        "/api/v1/jobs/events"
    };
    let source = match web_sys::EventSource::new(url) {
        Ok(source) => source,
        Err(e) => {
            leptos::logging::error!("live job updates unavailable: {e:?}");
            return;
        }
    };
    let on_job =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            match serde_json::from_str::<Job>(&text) {
                Ok(job) => live.jobs.update(|jobs| {
                    jobs.insert(job.id, job);
                }),
                Err(e) => leptos::logging::error!("job event unreadable: {e}"),
            }
        });
    if let Err(e) = source.add_event_listener_with_callback("job", on_job.as_ref().unchecked_ref())
    {
        leptos::logging::error!("cannot listen for job events: {e:?}");
    }
    on_job.forget();
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        live.connected.update(|n| *n += 1);
    });
    if let Err(e) =
        source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref())
    {
        leptos::logging::error!("cannot listen for the stream's connection: {e:?}");
    }
    on_open.forget();
    let on_signed_out = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if let Err(e) = window().location().assign("/login") {
            leptos::logging::error!("cannot go to the sign-in page: {e:?}");
        }
    });
    if let Err(e) = source
        .add_event_listener_with_callback("signed-out", on_signed_out.as_ref().unchecked_ref())
    {
        leptos::logging::error!("cannot listen for the end of the session: {e:?}");
    }
    on_signed_out.forget();
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.close());
}

/// The listed jobs with live versions applied, plus live jobs not listed yet.
pub fn merge(listed: Vec<Job>, live: &HashMap<i64, Job>) -> Vec<Job> {
    let mut jobs: Vec<Job> = listed
        .into_iter()
        .map(|job| match live.get(&job.id) {
            Some(newer) if newer.updated_at >= job.updated_at => newer.clone(),
            _ => job,
        })
        .collect();
    let mut extra: Vec<Job> = live
        .values()
        .filter(|j| !jobs.iter().any(|k| k.id == j.id))
        .cloned()
        .collect();
    extra.sort_by_key(|j| std::cmp::Reverse(j.id));
    extra.append(&mut jobs);
    extra
}
