//! Live job updates in the browser: an EventSource on `/api/v1/jobs/events`
//! feeding a signal of the latest version of each job. When the session ends
//! (signed out elsewhere, password changed, account deactivated) the stream says
//! `signed-out` and the page goes to the sign-in page.

use leptos::prelude::*;
use std::collections::HashMap;
use titan::domain::job::Job;

/// Latest versions of jobs seen on the event stream, by id.
pub type LiveJobs = RwSignal<HashMap<i64, Job>>;

/// Subscribes while the calling component lives. Does nothing on the server.
pub fn subscribe(
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))] all: bool,
) -> LiveJobs {
    let live: LiveJobs = RwSignal::new(HashMap::new());
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
                Ok(job) => live.update(|jobs| {
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
