//! The Studio's creative workbench: pick a creative (or add one from a clip),
//! analyse it, and read what the hook, CTR and ROAS models say, with reasons and
//! model versions. Job progress arrives over the live job stream.

use super::api::{AnalyzeCreative, CreateCreative, get_creative, list_creatives};
use crate::error::AppError;
use crate::pager::Pager;
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use titan::domain::creative::{Creative, CreativeAnalysis, Outcome, Placement, Reason};
use titan::domain::job::{Job, JobStatus};

const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 px-3 py-2";
const BUTTON: &str = "rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500";

/// Server-rendered; the picker (search as you type) and a running analysis are
/// islands, the rest posts plain forms.
#[component]
pub fn CreativeWorkbench() -> impl IntoView {
    let query = crate::query::use_query();
    let selected = Memo::new(move |_| {
        query
            .read()
            .get("creative")
            .and_then(|v| v.parse::<i64>().ok())
    });
    let analyze = ServerAction::<AnalyzeCreative>::new();
    let create = ServerAction::<CreateCreative>::new();
    // The analysis job being followed: named in the address after "Analyse".
    let queued = Memo::new(move |_| query.read().get("job").and_then(|v| v.parse::<i64>().ok()));
    let detail = Resource::new(
        move || (selected.get(), queued.get()),
        move |(id, job)| async move {
            match id {
                Some(id) => get_creative(id, job).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let (save_landing, tracking) = super::tracking::tracking_of(selected);
    let analyze_error = Signal::derive(move || analyze.value().get().and_then(|r| r.err()));
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-4 text-lg font-semibold">"Score a creative"</h2>
            <CreativePicker />
            <FormError error=analyze_error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        detail.await.map(|found| found.map(|(creative, job)| view! {
                            <CreativeDetail creative job analyze save_landing tracking />
                        }))
                    })}
                </ErrorBoundary>
            </Transition>
            <NewCreativeForm create />
        </section>
    }
}

/// The creative picker: a page of creatives matching the search, which follows
/// the text as it is typed (an island; without JavaScript, "Open" submits the
/// search with the form).
#[island]
fn CreativePicker() -> impl IntoView {
    let query = crate::query::use_query();
    let selected = Memo::new(move |_| {
        query
            .read()
            .get("creative")
            .and_then(|v| v.parse::<i64>().ok())
    });
    let page = crate::pager::page_from_query("creatives_");
    let search = Memo::new(move |_| query.read().get(SEARCH_KEY).unwrap_or_default());
    let creatives = Resource::new(
        move || (page(), search.get()),
        |((page, per_page), search)| list_creatives(page, per_page, search),
    );
    view! {
        <form method="get" action="/studio" class="flex flex-wrap items-end gap-3">
            <SearchBox initial=search.get_untracked() />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        creatives.await.map(|list| {
                            let current = selected.get_untracked();
                            view! {
                                <label class="block min-w-0 flex-1 text-sm font-medium">
                                    "Creative"
                                    <select name="creative" class=INPUT data-testid="creative-picker">
                                        <option value="">
                                            {if list.is_empty() { "No creative matches" } else { "Choose a creative…" }}
                                        </option>
                                        {list.into_iter().map(|c| {
                                            let label = format!(
                                                "#{} {}{}{}{}",
                                                c.id,
                                                c.name,
                                                if c.has_video { " · video" } else { " · past results" },
                                                if c.held_out { " · held out from training" } else { "" },
                                                if c.is_demo { " (demo)" } else { "" },
                                            );
                                            view! { <option value=c.id selected=current == Some(c.id)>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <button type="submit" class="rounded border border-slate-300 px-4 py-2 hover:bg-slate-100">"Open"</button>
        </form>
        <Transition>
            {move || Suspend::new(async move {
                creatives.await.ok().map(|list| view! { <Pager prefix="creatives_" shown=list.len() /> })
            })}
        </Transition>
    }
}

/// The query key of the picker's search text.
const SEARCH_KEY: &str = "creatives_search";

/// The picker's search: as a person types, the address follows (replacing the
/// history entry) and the list below reloads from page 1, the open creative
/// staying open; without JavaScript,
/// "Open" submits it with the form. It sits outside the list's loading
/// boundary, so it keeps its focus while the list reloads.
#[component]
fn SearchBox(initial: String) -> impl IntoView {
    let query = crate::query::use_query();
    let on_input = move |ev: leptos::ev::Event| {
        let mut map = query.get_untracked();
        map.replace(SEARCH_KEY, event_target_value(&ev));
        // The open creative stays open (and in the address, where the forms
        // of its detail return to) while the person looks for another.
        map.remove("creatives_page");
        crate::query::replace_query("/studio", map);
    };
    view! {
        <label class="block w-full text-sm font-medium sm:w-56">
            "Find"
            <input
                type="search"
                name=SEARCH_KEY
                value=initial
                maxlength="100"
                placeholder="Name or hook text"
                autocomplete="off"
                class=INPUT
                data-testid="creative-search"
                on:input=on_input
            />
        </label>
    }
}

#[component]
fn CreativeDetail(
    creative: Creative,
    job: Option<Job>,
    analyze: ServerAction<AnalyzeCreative>,
    save_landing: ServerAction<super::tracking::SaveLandingUrl>,
    tracking: super::tracking::Tracking,
) -> impl IntoView {
    let failed = job
        .as_ref()
        .filter(|j| matches!(j.status, JobStatus::Failed | JobStatus::Dead))
        .map(|j| {
            j.error
                .clone()
                .unwrap_or_else(|| "the analysis failed".into())
        });
    let pending = job.filter(|j| !j.status.is_final());
    let perf = creative.performance;
    let context = creative.context;
    view! {
        <div class="mt-4 border-t pt-4" data-testid="creative-detail" data-creative=creative.id>
            <div class="flex items-start justify-between gap-4">
                <div>
                    <h3 class="font-semibold">{creative.name.clone()}</h3>
                    <p class="text-sm text-slate-600">
                        {format!("{} · {} · {} · {} niche · {} objective", creative.campaign_name, context.platform.label(), context.placement.label(), context.niche.label(), context.objective.label())}
                    </p>
                    <p class="text-sm">{format!("Hook: “{}” · Call to action: “{}”", creative.hook_text, creative.cta_text)}</p>
                    {creative.is_demo.then(|| view! { <p class="text-xs text-amber-700">"Demo data: generated, not real results."</p> })}
                    {(perf.impressions > 0).then(|| view! {
                        <p class="text-sm text-slate-600" data-testid="actuals">
                            {format!(
                                "Actual over {} days: hook rate {:.1} %, CTR {:.2} %, ROAS {} (booked + pipeline revenue)",
                                perf.days,
                                perf.hook_rate().unwrap_or_default() * 100.0,
                                perf.ctr().unwrap_or_default() * 100.0,
                                perf.roas().map(|r| format!("{r:.2}")).unwrap_or_else(|| "–".into()),
                            )}
                        </p>
                    })}
                </div>
                <ActionForm action=analyze>
                    <input type="hidden" name="creative_id" value=creative.id />
                    <button type="submit" class=BUTTON>"Analyse"</button>
                </ActionForm>
            </div>
            {failed.map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-700">{e}</p> })}
            {pending.map(|job| view! {
                <crate::renders::JobWatch job=crate::renders::WatchedJob::from(&job) label="Analysis job".to_owned() testid="analysis-pending".to_owned() />
            })}
            {match creative.analysis {
                Some(a) => view! { <AnalysisView a /> }.into_any(),
                None => view! { <p class="mt-4 text-sm text-slate-500" data-testid="not-analysed">"Not analysed yet: press Analyse to extract its features and ask the models."</p> }.into_any(),
            }}
            <super::tracking::TrackingSection creative_id=creative.id save=save_landing tracking />
        </div>
    }
}

fn reasons_list(reasons: Vec<Reason>) -> impl IntoView {
    view! {
        <ul class="mt-2 space-y-0.5 text-sm">
            {reasons.into_iter().map(|r| view! {
                <li>{format!("{}: {}", r.text, r.sign())}</li>
            }).collect_view()}
        </ul>
    }
}

/// How often the interval held on held-out creatives, when that was measured.
fn coverage(measured: Option<f64>) -> String {
    measured
        .map(|c| format!(" (held out: {:.0} % inside)", c * 100.0))
        .unwrap_or_default()
}

fn unavailable(why: String) -> AnyView {
    view! { <p class="text-sm text-slate-500" data-testid="no-model">{why}</p> }.into_any()
}

#[component]
fn AnalysisView(a: CreativeAnalysis) -> impl IntoView {
    let card = "rounded border border-slate-200 p-4";
    view! {
        <div class="mt-4 grid gap-4 md:grid-cols-3" data-testid="analysis">
            <div class=card data-testid="hook-prediction">
                <h4 class="text-xs uppercase text-slate-500">"Hook"</h4>
                {match a.hook {
                    Outcome::Predicted(h) => view! {
                        <p class="text-lg font-semibold">{format!("{} · P(strong) {:.0} %", h.class, h.probability * 100.0)}</p>
                        <p class="text-xs text-slate-500">{format!("model {}", h.model_version)}</p>
                        {reasons_list(h.reasons)}
                    }.into_any(),
                    Outcome::Unavailable(why) => unavailable(why),
                }}
            </div>
            <div class=card data-testid="ctr-prediction">
                <h4 class="text-xs uppercase text-slate-500">"CTR"</h4>
                {match a.ctr {
                    Outcome::Predicted(c) => view! {
                        <p class="text-lg font-semibold">{format!("{:.2} % · {}", c.ctr * 100.0, c.band.as_str())}</p>
                        <p class="text-sm text-slate-600">{format!("80 % interval {:.2}–{:.2} %{}", c.low * 100.0, c.high * 100.0, coverage(c.coverage))}</p>
                        <p class="text-xs text-slate-500">{format!("model {}", c.model_version)}</p>
                        {reasons_list(c.reasons)}
                    }.into_any(),
                    Outcome::Unavailable(why) => unavailable(why),
                }}
            </div>
            <div class=card data-testid="roas-prediction">
                <h4 class="text-xs uppercase text-slate-500">"ROAS"</h4>
                {match a.roas {
                    Outcome::Predicted(r) => view! {
                        <p class="text-lg font-semibold">{format!("{:.2}", r.roas)}</p>
                        <p class="text-sm text-slate-600">{format!("80 % interval {:.2}–{:.2}{}", r.low, r.high, coverage(r.coverage))}</p>
                        <p class="text-xs text-slate-500">{format!("model {}", r.model_version)}</p>
                        {reasons_list(r.reasons)}
                    }.into_any(),
                    Outcome::Unavailable(why) => unavailable(why),
                }}
            </div>
        </div>
        <p class="mt-2 text-xs text-slate-500">
            {format!("Analysed {} with feature set {}", a.analyzed_at.date(), a.feature_set)}
        </p>
    }
}

/// Adds a creative: upload its video (or pick a clip already uploaded), then say
/// what it says and where it runs.
#[component]
fn NewCreativeForm(create: ServerAction<CreateCreative>) -> impl IntoView {
    let options = Resource::new(
        || (),
        |_| async {
            // The choices of the form: the newest 200 of each.
            let campaigns =
                crate::campaigns::list_campaigns(false, String::new(), "200".into()).await?;
            let clips = crate::renders::list_assets(String::new(), "200".into()).await?;
            Ok::<_, AppError>((campaigns, clips))
        },
    );
    let error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let query = crate::query::use_query();
    let uploaded = move || {
        query
            .read()
            .get("uploaded")
            .and_then(|v| v.parse::<i64>().ok())
    };
    let upload_error = move || query.read().get("upload_error");
    // Open from the start when the page comes back from an upload.
    let open =
        untrack(|| uploaded().is_some() || upload_error().is_some() || error.get().is_some());
    view! {
        <details class="mt-6 border-t pt-4" open=open>
            <summary class="cursor-pointer font-medium">"Add a creative"</summary>
            <form method="post" action="/api/v1/assets?back=studio" enctype="multipart/form-data" class="mt-4 flex items-end gap-3">
                <label class="block flex-1 text-sm font-medium">
                    "Upload a video"
                    <input type="file" name="file" accept="video/*" required class=INPUT />
                </label>
                <button type="submit" class="rounded border border-slate-300 px-4 py-2 hover:bg-slate-100">"Upload clip"</button>
            </form>
            {move || upload_error().map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-700" data-testid="upload-error">{e}</p> })}
            {move || uploaded().map(|id| view! { <p class="mt-2 text-sm text-emerald-700" data-testid="uploaded">{format!("Clip #{id} uploaded: describe the creative below.")}</p> })}
            <Suspense fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        options.await.map(|(campaigns, clips)| view! {
                            <ActionForm action=create attr:class="mt-4 grid gap-3 md:grid-cols-2">
                                <div class="md:col-span-2"><FormError error /></div>
                                <label class="block text-sm font-medium">"Name"
                                    <input type="text" name="form[name]" class=INPUT />
                                    <FieldMessage error field="name" />
                                </label>
                                <label class="block text-sm font-medium">"Campaign"
                                    <select name="form[campaign_id]" class=INPUT>
                                        {campaigns.into_iter().map(|c| view! { <option value=c.id>{c.name}</option> }).collect_view()}
                                    </select>
                                    <FieldMessage error field="campaign_id" />
                                </label>
                                <label class="block text-sm font-medium">"Clip"
                                    <select name="form[asset_id]" class=INPUT>
                                        {clips.into_iter().map(|a| view! { <option value=a.id selected=uploaded() == Some(a.id)>{format!("#{} {} ({:.1} s)", a.id, a.original_name, a.duration_secs)}</option> }).collect_view()}
                                    </select>
                                    <span class="text-xs text-slate-500">"Upload one above, or use a clip from the " <a class="underline" href="/renders">"Renders"</a> " page."</span>
                                    <FieldMessage error field="asset_id" />
                                </label>
                                <label class="block text-sm font-medium">"Platform"
                                    <select name="form[platform]" class=INPUT>
                                        {titan::domain::Platform::ALL.iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                                    </select>
                                    <FieldMessage error field="platform" />
                                </label>
                                <label class="block text-sm font-medium">"Placement"
                                    <select name="form[placement]" class=INPUT>
                                        {Placement::ALL.iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                                    </select>
                                    <FieldMessage error field="placement" />
                                </label>
                                <label class="block text-sm font-medium">"Hook line"
                                    <input type="text" name="form[hook_text]" class=INPUT />
                                    <FieldMessage error field="hook_text" />
                                </label>
                                <label class="block text-sm font-medium">"Call to action"
                                    <input type="text" name="form[cta_text]" class=INPUT />
                                    <FieldMessage error field="cta_text" />
                                </label>
                                <label class="block text-sm font-medium md:col-span-2">"On-screen text, one per line: START-END text"
                                    <textarea name="form[captions]" rows="2" class=INPUT placeholder="0-1.5 Wait for it"></textarea>
                                    {move || error.get().map(|e| e.fields_starting_with("captions").into_iter().map(|(f, m)| view! { <p class="mt-1 text-sm text-red-600">{format!("{f}: {m}")}</p> }).collect_view())}
                                </label>
                                <div class="md:col-span-2"><button type="submit" class=BUTTON>"Add creative"</button></div>
                            </ActionForm>
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </details>
    }
}
