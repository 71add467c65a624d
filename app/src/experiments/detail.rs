//! One experiment: its arms' posterior intervals (SVG), P(best) and expected
//! loss, the recommended split beside the current one with "Apply", the periods
//! with their sample-ratio checks, and the winner banner.

use super::api::{
    AddArm, ApplySplit, SetArmPaused, StartExperiment, StopExperiment, campaign_creatives,
    get_experiment,
};
use super::chart::IntervalChart;
use super::list::status_class;
use crate::error::AppError;
use crate::ui::{ErrorPanel, FormError, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use titan::domain::experiment::{ExperimentDetail, ExperimentStatus, Metric, PeriodView};

#[derive(Clone, Copy)]
struct Actions {
    start: ServerAction<StartExperiment>,
    apply: ServerAction<ApplySplit>,
    stop: ServerAction<StopExperiment>,
    paused: ServerAction<SetArmPaused>,
    add: ServerAction<AddArm>,
}

fn when(unix: i64) -> String {
    titan::domain::minute_utc(unix).unwrap_or_default()
}

fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

#[component]
pub fn ExperimentPage() -> impl IntoView {
    let params = use_params_map();
    let actions = Actions {
        start: ServerAction::new(),
        apply: ServerAction::new(),
        stop: ServerAction::new(),
        paused: ServerAction::new(),
        add: ServerAction::new(),
    };
    let experiment = Resource::new(
        move || {
            (
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
                actions.start.version().get(),
                actions.apply.version().get(),
                actions.stop.version().get(),
                actions.paused.version().get(),
                actions.add.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_experiment(id).await,
                None => Err(AppError::NotFound("experiment".into())),
            }
        },
    );
    let error = Signal::derive(move || {
        let e = |v: Option<Result<ExperimentDetail, AppError>>| v.and_then(|r| r.err());
        e(actions.apply.value().get())
            .or_else(|| e(actions.start.value().get()))
            .or_else(|| e(actions.stop.value().get()))
            .or_else(|| e(actions.paused.value().get()))
            .or_else(|| e(actions.add.value().get()))
    });
    view! {
        <Title text="Experiment" />
        <p class="mb-4 text-sm"><a class="text-indigo-700 hover:underline" href="/experiments">"← Experiments"</a></p>
        <FormError error />
        <Transition fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                {move || Suspend::new(async move {
                    experiment.await.map(|detail| view! { <Detail detail actions /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// A one-button form posting the experiment's id to `action`.
macro_rules! id_button {
    ($action:expr, $id:expr, $label:expr, $class:expr, $testid:expr) => {
        view! {
            <ActionForm action=$action attr:class="inline">
                <input type="hidden" name="id" value=$id />
                <button type="submit" class=$class data-testid=$testid>{$label}</button>
            </ActionForm>
        }
    };
}

#[component]
fn Detail(detail: ExperimentDetail, actions: Actions) -> impl IntoView {
    let s = detail.summary.clone();
    let id = s.id;
    let metric = s.metric;
    let primary =
        "rounded bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500";
    let secondary = "rounded border border-slate-300 px-4 py-1.5 text-sm hover:bg-slate-100";
    let winner_name = detail
        .winner_arm_id
        .and_then(|w| detail.arms.iter().find(|a| a.arm_id == w))
        .map(|a| (a.creative_name.clone(), a.p_best));
    let running = s.status == ExperimentStatus::Running;
    let names: Vec<(i64, String)> = detail
        .arms
        .iter()
        .map(|a| (a.arm_id, a.creative_name.clone()))
        .collect();
    let taken: Vec<i64> = detail.arms.iter().map(|a| a.creative_id).collect();
    view! {
        <div class="space-y-6" data-testid="experiment" data-status=s.status.as_str()>
            <header class="flex flex-wrap items-center gap-3">
                <h1 class="text-2xl font-semibold">{s.name.clone()}</h1>
                <span class=status_class(s.status) data-testid="experiment-status">{s.status.label()}</span>
                <span class="text-sm text-slate-500">
                    {format!("{} · campaign {} · seed {:016x}", metric.label(), s.campaign_name, detail.snapshot_seed)}
                </span>
            </header>
            {winner_name.map(|(name, p)| view! {
                <div class="rounded border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-900" role="status" data-testid="winner">
                    <strong>{name}</strong>
                    {format!(" is the winner: P(best) {:.1} % with every arm's evidence in.", p * 100.0)}
                    {running.then_some(" Stop the experiment to keep it.")}
                </div>
            })}
            <div class="flex flex-wrap items-center gap-3">
                {(s.status == ExperimentStatus::Draft).then(|| id_button!(actions.start, id, "Start", primary, "start"))}
                {(running && detail.can_apply).then(|| id_button!(actions.apply, id, "Apply recommended split", primary, "apply"))}
                {(s.status != ExperimentStatus::Stopped).then(|| id_button!(actions.stop, id, "Stop", secondary, "stop"))}
                {detail.hold_reason.clone().map(|why| view! { <p class="text-sm text-slate-600" data-testid="hold">{why}</p> })}
            </div>
            {if s.status == ExperimentStatus::Draft {
                view! { <p class="text-sm text-slate-600">"Not started: the arms get equal shares when you start it, and statistics appear as results arrive."</p> }.into_any()
            } else {
                view! {
                    <section class="rounded-xl bg-white p-6 shadow-sm">
                        <h2 class="mb-3 text-lg font-semibold">"Posterior estimates"</h2>
                        <IntervalChart arms=detail.arms.clone() metric winner=detail.winner_arm_id />
                    </section>
                }.into_any()
            }}
            <ArmsTable detail=detail.clone() actions />
            {(s.status != ExperimentStatus::Stopped).then(|| view! { <AddArmForm id campaign_id=s.campaign_id taken actions /> })}
            <Periods periods=detail.periods.clone() names metric />
        </div>
    }
}

#[component]
fn ArmsTable(detail: ExperimentDetail, actions: Actions) -> impl IntoView {
    let metric = detail.summary.metric;
    let id = detail.summary.id;
    let open = detail.summary.status != ExperimentStatus::Stopped;
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-3 text-lg font-semibold">"Arms"</h2>
            <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="arms">
                <thead class="border-b text-xs uppercase text-slate-500">
                    <tr>
                        <th class="py-2">"Creative"</th>
                        <th>"Mean (95 % interval)"</th>
                        <th>"P(best)"</th>
                        <th>"Expected loss"</th>
                        <th>{format!("Evidence ({})", metric.trials_unit())}</th>
                        <th>"Current split"</th>
                        <th>"Recommended"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {detail.arms.into_iter().map(|a| {
                        let evidence = format!("{:.0}{}", a.trials, if a.has_min_evidence { "" } else { " (needs more)" });
                        view! {
                            <tr class="border-b last:border-0" data-arm=a.creative_name.clone()>
                                <td class="py-2">
                                    {a.creative_name.clone()}
                                    {a.paused.then(|| view! { <span class="ml-2 text-xs text-slate-500">"paused"</span> })}
                                </td>
                                <td>{format!("{} ({} – {})", metric.format(a.mean), metric.format(a.lower_95), metric.format(a.upper_95))}</td>
                                <td data-testid="p-best">{percent(a.p_best)}</td>
                                <td>{metric.format(a.expected_loss.max(0.0))}</td>
                                <td>{evidence}</td>
                                <td data-testid="current-share">{percent(a.current_share)}</td>
                                <td data-testid="recommended-share">{percent(a.recommended_share)}</td>
                                <td class="text-right">
                                    {open.then(|| view! {
                                        <ActionForm action=actions.paused attr:class="inline">
                                            <input type="hidden" name="id" value=id />
                                            <input type="hidden" name="arm_id" value=a.arm_id />
                                            <input type="hidden" name="paused" value=if a.paused { "false" } else { "true" } />
                                            <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
                                                {if a.paused { "Resume" } else { "Pause" }}
                                            </button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        </section>
    }
}

#[component]
fn AddArmForm(id: i64, campaign_id: i64, taken: Vec<i64>, actions: Actions) -> impl IntoView {
    let creatives = Resource::new(|| (), move |_| campaign_creatives(campaign_id));
    view! {
        <Suspense fallback=Loading>
            {move || {
                let taken = taken.clone();
                Suspend::new(async move {
                    let free: Vec<(i64, String)> = creatives
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|(c, _)| !taken.contains(c))
                        .collect();
                    (!free.is_empty()).then(|| view! {
                        <ActionForm action=actions.add attr:class="flex items-center gap-2 text-sm">
                            <input type="hidden" name="id" value=id />
                            <label>"Add an arm "
                                <select name="creative_id" class="rounded border border-slate-300 px-2 py-1">
                                    {free.into_iter().map(|(c, name)| view! { <option value=c>{name}</option> }).collect_view()}
                                </select>
                            </label>
                            <button type="submit" class="rounded border border-slate-300 px-3 py-1 hover:bg-slate-100">"Add (starts at the floor)"</button>
                        </ActionForm>
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
fn Periods(periods: Vec<PeriodView>, names: Vec<(i64, String)>, metric: Metric) -> impl IntoView {
    if periods.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-1 text-lg font-semibold">"Periods"</h2>
            <p class="mb-3 text-sm text-slate-500">
                "Each applied split starts a period. Estimates weigh periods by their total traffic, so an arm that got more traffic on a good day is not flattered; a period whose traffic did not follow its split is flagged."
            </p>
            <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="periods">
                <thead class="border-b text-xs uppercase text-slate-500">
                    <tr>
                        <th class="py-2">"#"</th>
                        <th>"From"</th>
                        <th>"To"</th>
                        <th>"Why"</th>
                        <th>{format!("Split (and {})", metric.trials_unit())}</th>
                        <th>"Traffic check"</th>
                    </tr>
                </thead>
                <tbody>
                    {periods.into_iter().rev().map(|p| {
                        let split = p.arms.iter().map(|(arm, share, trials)| {
                            let name = names.iter().find(|(a, _)| a == arm).map(|(_, n)| n.clone()).unwrap_or_default();
                            format!("{name}: {} ({trials})", percent(*share))
                        }).collect::<Vec<_>>().join(" · ");
                        let check = match (p.srm_flagged, p.srm_p_value) {
                            (true, Some(pv)) => view! { <span class="text-red-700" data-testid="srm-flag">{format!("traffic does not match the split (p = {pv:.4})")}</span> }.into_any(),
                            (false, Some(pv)) => view! { <span class="text-emerald-700">{format!("ok (p = {pv:.3})")}</span> }.into_any(),
                            _ => view! { <span class="text-slate-400">"no traffic yet"</span> }.into_any(),
                        };
                        view! {
                            <tr class="border-b align-top last:border-0" data-period=p.seq>
                                <td class="py-2">{p.seq}</td>
                                <td>{when(p.started_at)}</td>
                                <td>{p.ended_at.map(when).unwrap_or_else(|| "now".into())}</td>
                                <td>{p.note.clone()}</td>
                                <td class="text-xs">{split}</td>
                                <td class="text-xs">{check}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        </section>
    }
    .into_any()
}
