//! The Renders page: upload clips, queue renders and variants, watch jobs live.

use super::api::{CancelJob, QueueRender, QueueVariants, RetryJob, list_assets, list_jobs};
use super::jobs_table::{JobActions, JobsTable};
use super::live;
use crate::pager::Pager;
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use titan::domain::job::Asset;
use titan::domain::render::Format;

const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 bg-white px-3 py-2";
const LABEL: &str = "block text-sm font-medium";
const BUTTON: &str = "rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500";

#[component]
pub fn RendersPage() -> impl IntoView {
    view! {
        <Title text="Renders" />
        <h1 class="mb-6 text-2xl font-semibold">"Renders"</h1>
        <RendersWorkbench />
    }
}

/// Clips, the render forms and the live jobs: an island, so a render queued
/// here appears in the list and its progress moves without a page load.
#[island]
fn RendersWorkbench() -> impl IntoView {
    let render = ServerAction::<QueueRender>::new();
    let variants = ServerAction::<QueueVariants>::new();
    let clips_page = crate::pager::page_from_query("clips_");
    let assets = Resource::new(clips_page, |(page, per_page)| list_assets(page, per_page));
    let query = crate::query::use_query();
    let upload_error = move || query.read().get("upload_error");
    let uploaded = move || query.read().get("uploaded");
    let render_error = Signal::derive(move || render.value().get().and_then(|r| r.err()));
    let variants_error = Signal::derive(move || variants.value().get().and_then(|r| r.err()));
    let queued = Signal::derive(move || render.version().get() + variants.version().get());
    view! {
        <div class="grid gap-6 lg:grid-cols-2">
            <section class="rounded-xl bg-white p-6 shadow-sm">
                <h2 class="mb-4 text-lg font-semibold">"Clips"</h2>
                <form method="post" action="/api/v1/assets" enctype="multipart/form-data" class="flex items-end gap-3">
                    <label class=format!("{LABEL} flex-1")>
                        "Upload a video"
                        <input type="file" name="file" accept="video/*" required class=INPUT />
                    </label>
                    <button type="submit" class=BUTTON>"Upload"</button>
                </form>
                {move || upload_error().map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-700" data-testid="upload-error">{e}</p> })}
                {move || uploaded().map(|id| view! { <p class="mt-2 text-sm text-emerald-700">{format!("Clip #{id} uploaded.")}</p> })}
                <Suspense fallback=Loading>
                    <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                        {move || Suspend::new(async move {
                            assets.await.map(|list| {
                                let shown = list.len();
                                view! {
                                    <AssetList list />
                                    <Pager prefix="clips_" shown />
                                }
                            })
                        })}
                    </ErrorBoundary>
                </Suspense>
            </section>
            <section class="rounded-xl bg-white p-6 shadow-sm">
                <h2 class="mb-4 text-lg font-semibold">"New render"</h2>
                <ActionForm action=render>
                    <FormError error=render_error />
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            assets.await.map(|list| view! { <ClipSelect list error=render_error /> })
                        })}
                    </Suspense>
                    <label class=format!("{LABEL} mt-3")>
                        "Scenes (one per line: start-end in seconds, or CLIP:start-end)"
                        <textarea name="scenes" rows="3" class=INPUT>"0-3"</textarea>
                        <FieldMessage error=render_error field="scenes" />
                        <FieldMessage error=render_error field="scenes[0]" />
                        <FieldMessage error=render_error field="scenes[0].start" />
                        <FieldMessage error=render_error field="scenes[0].end" />
                    </label>
                    <FormatChoice error=render_error />
                    <label class=format!("{LABEL} mt-3")>
                        "Captions (one per line: start-end text)"
                        <textarea name="captions" rows="2" class=INPUT placeholder="0-1.5 Tap to learn more"></textarea>
                    </label>
                    <div class="mt-3 flex gap-2">
                        <label class=format!("{LABEL} flex-1")>
                            "Hook text (first seconds)"
                            <input type="text" name="hook_text" maxlength="200" class=INPUT />
                        </label>
                        <label class=LABEL>
                            "Seconds"
                            <input type="text" name="hook_seconds" value="2" inputmode="decimal" class=INPUT />
                        </label>
                    </div>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Queue render"</button>
                </ActionForm>
                <details class="mt-6">
                    <summary class="cursor-pointer text-sm font-medium">"Variants: one whole clip in several formats"</summary>
                    <ActionForm action=variants attr:class="mt-3">
                        <FormError error=variants_error />
                        <Suspense fallback=Loading>
                            {move || Suspend::new(async move {
                                assets.await.map(|list| view! { <ClipSelect list error=variants_error /> })
                            })}
                        </Suspense>
                        <FormatChoice error=variants_error />
                        <button type="submit" class=format!("{BUTTON} mt-4")>"Queue variants"</button>
                    </ActionForm>
                </details>
            </section>
        </div>
        <LiveJobsSection queued />
    }
}

/// The caller's jobs, newest first, with progress as it happens, cancel and
/// retry in place; read again when `queued` moves (a render was queued).
#[component]
fn LiveJobsSection(queued: Signal<usize>) -> impl IntoView {
    let actions = JobActions {
        cancel: ServerAction::<CancelJob>::new(),
        retry: ServerAction::<RetryJob>::new(),
        delete: None,
    };
    let jobs_page = crate::pager::page_from_query("jobs_");
    let live = live::subscribe(false);
    let jobs = Resource::new(
        move || {
            (
                live.connections(),
                queued.get(),
                actions.cancel.version().get(),
                actions.retry.version().get(),
                jobs_page(),
            )
        },
        |(.., (page, per_page))| list_jobs(false, String::new(), String::new(), page, per_page),
    );
    let action_error = Signal::derive(move || {
        actions
            .cancel
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| actions.retry.value().get().and_then(|r| r.err()))
    });
    view! {
        <section class="mt-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-4 text-lg font-semibold">"Jobs"</h2>
            <FormError error=action_error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        jobs.await.map(|listed| {
                            let shown = listed.len();
                            view! {
                                {move || view! { <JobsTable jobs=live::merge(listed.clone(), &live.jobs.read()) actions /> }}
                                <Pager prefix="jobs_" shown />
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn AssetList(list: Vec<Asset>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="mt-4 text-sm text-slate-500">"No clips yet. Upload one to start."</p> }.into_any();
    }
    view! {
        <ul class="mt-4 divide-y text-sm" data-testid="clips">
            {list
                .into_iter()
                .map(|a| {
                    view! {
                        <li class="flex justify-between py-2">
                            <span>{format!("#{} {}", a.id, a.original_name)}</span>
                            <span class="text-slate-500">
                                {format!("{:.1} s · {}×{} · {}", a.duration_secs, a.width, a.height, if a.has_audio { "audio" } else { "silent" })}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ClipSelect(list: Vec<Asset>, error: Signal<Option<crate::AppError>>) -> impl IntoView {
    view! {
        <label class=LABEL>
            "Clip"
            <select name="asset_id" class=INPUT>
                {list
                    .into_iter()
                    .map(|a| view! { <option value=a.id>{format!("#{} {} ({:.1} s)", a.id, a.original_name, a.duration_secs)}</option> })
                    .collect_view()}
            </select>
            <FieldMessage error field="asset_id" />
        </label>
    }
}

#[component]
fn FormatChoice(error: Signal<Option<crate::AppError>>) -> impl IntoView {
    view! {
        <fieldset class="mt-3">
            <legend class=LABEL>"Formats"</legend>
            <div class="mt-1 flex flex-wrap gap-4">
                {Format::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let (w, h) = f.size();
                        view! {
                            <label class="inline-flex items-center gap-2 text-sm">
                                <input type="checkbox" name=format!("formats[{i}]") value=f.code() checked=i == 0 />
                                {format!("{} ({w}×{h})", f.code())}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="mt-2 flex gap-4 text-sm">
                <label class="inline-flex items-center gap-2">
                    <input type="radio" name="fit" value="crop" checked=true />
                    "Crop to fill"
                </label>
                <label class="inline-flex items-center gap-2">
                    <input type="radio" name="fit" value="pad" />
                    "Pad"
                </label>
            </div>
            <FieldMessage error field="formats" />
        </fieldset>
    }
}
