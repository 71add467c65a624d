//! The model registry in the UI: train models (from history, or a CTR model from
//! a CSV export), see every model with its held-out metrics, (admins) promote or
//! roll back, and score an export row with a CSV-trained CTR champion.

use crate::error::AppResult;
use crate::pager::Pager;
use crate::ui::{ErrorPanel, FormError, Loading};
use leptos::prelude::*;
use titan::domain::model::{CtrPrediction, ModelStatus, ModelSummary};

/// Models of the caller's workspace, by kind and newest version first.
#[server(prefix = "/api", endpoint = "models/list")]
pub async fn list_models(
    #[server(default)] page: String,
    #[server(default)] per_page: String,
) -> AppResult<Vec<ModelSummary>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let page = crate::pager::parse_page(&page, &per_page)?;
    Ok(titan::ml::registry::list_summaries(&state()?.db, user.workspace_id, page).await?)
}

/// Makes a model the champion of its kind. Admin only (decided in the core).
#[server(prefix = "/api", endpoint = "models/promote")]
pub async fn promote_model(id: i64) -> AppResult<ModelSummary> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(titan::ml::registry::promote(&state()?.db, &user, id)
        .await?
        .summary())
}

/// Brings back the previous champion of a kind. Admin only (decided in the core).
#[server(prefix = "/api", endpoint = "models/rollback")]
pub async fn rollback_model(#[server(default)] kind: String) -> AppResult<ModelSummary> {
    use crate::error::AppError;
    use crate::guard::{require_user, state};
    use titan::domain::model::ModelKind;
    use titan::validation::{FieldError, FieldErrors};
    let user = require_user()?;
    let kind = ModelKind::parse(kind.trim()).ok_or_else(|| {
        AppError::Invalid(FieldErrors(vec![FieldError::new(
            "kind",
            "must be hook, ctr, ctr_export or roas",
        )]))
    })?;
    Ok(titan::ml::registry::rollback(&state()?.db, &user, kind)
        .await?
        .summary())
}

/// Predicts a CTR with the champion model from named input values. Logged with
/// the model version. Without a trained model: 404 "model not found".
#[server(prefix = "/api", endpoint = "models/predict-ctr")]
pub async fn predict_ctr(
    #[server(default)] columns: Vec<String>,
    #[server(default)] values: Vec<String>,
) -> AppResult<CtrPrediction> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let app = state()?;
    let inputs: Vec<(String, String)> = columns.into_iter().zip(values).collect();
    Ok(titan::ml::predict::predict_ctr(
        &app.db,
        &app.ctr,
        user.workspace_id,
        Some(user.id),
        &inputs,
    )
    .await?)
}

/// The champion CTR model's version and input columns (numeric, categorical).
#[server(prefix = "/api", endpoint = "models/ctr-inputs")]
pub async fn ctr_inputs() -> AppResult<Option<(String, Vec<String>, Vec<String>)>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let app = state()?;
    Ok(titan::ml::predict::ctr_inputs(&app.db, &app.ctr, user.workspace_id).await?)
}

/// Training from the workspace's history (hook, CTR, ROAS) and from a CSV
/// export (CTR), both as background jobs.
#[component]
pub fn Training() -> impl IntoView {
    let history = ServerAction::<super::api::TrainFromHistory>::new();
    let history_error = Signal::derive(move || history.value().get().and_then(|r| r.err()));
    let query = crate::query::use_query();
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-2 text-lg font-semibold">"Train models"</h2>
            <p class="mb-4 text-sm text-slate-600">
                "From the workspace's creatives with results: the hook classifier (strong = hook rate at or above the chosen percentile), the CTR predictor and the ROAS predictor (booked plus pipeline revenue). 20 % of the creatives are held out; a new model becomes champion only if it beats the champion on them."
            </p>
            <ActionForm action=history attr:class="flex items-end gap-3">
                <label class="block text-sm font-medium">
                    "Strong hook percentile"
                    <input type="number" name="hook_percentile" value="70" min="50" max="95" step="1" class="mt-1 block w-32 rounded border border-slate-300 px-3 py-2" />
                </label>
                <button type="submit" class="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">"Train from history"</button>
            </ActionForm>
            <crate::ui::FieldMessage error=history_error field="hook_percentile" />
            // A started training redirects to `?training_job=`, shown below;
            // a refusal comes back here.
            {move || history_error.get().map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-700">{e.to_string()}</p> })}
            <h3 class="mb-2 mt-6 font-semibold">"CTR model from an ad-platform export"</h3>
            <p class="mb-4 text-sm text-slate-600">
                "A CSV with a 0/1 " <code>"click"</code> " column, or " <code>"clicks"</code> " and "
                <code>"impressions"</code>
                " columns; every other column is a feature (numbers as they are, text hashed into categories). It is a CTR model of its own (ctr_export): it scores rows of such exports below, is compared only with models of the same columns, and leaves the Studio's creative CTR model in place."
            </p>
            <form method="post" action="/api/v1/training-data" enctype="multipart/form-data" class="flex items-end gap-3">
                <label class="block flex-1 text-sm font-medium">
                    "CSV file"
                    <input type="file" name="file" accept=".csv,text/csv" required data-testid="training-file" class="mt-1 block w-full rounded border border-slate-300 px-3 py-2" />
                </label>
                <button type="submit" class="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">"Train"</button>
            </form>
            {move || query.read().get("training_error").map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-700" data-testid="training-error">{e}</p> })}
            <TrainingJob />
        </section>
    }
}

/// The training job named in the address (`?training_job=ID`, after a start):
/// followed live while it runs, then its outcome.
#[component]
fn TrainingJob() -> impl IntoView {
    let query = crate::query::use_query();
    let id = move || {
        query
            .read()
            .get("training_job")
            .and_then(|v| v.parse::<i64>().ok())
    };
    let job = Resource::new(id, |id| async move {
        match id {
            Some(id) => crate::renders::job_state(id).await.map(Some),
            None => Ok(None),
        }
    });
    view! {
        <Suspense>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
            {move || Suspend::new(async move {
                job.await.map(|found| found.map(|job| {
                    if !job.status.is_final() {
                        view! {
                            <crate::renders::JobWatch job=crate::renders::WatchedJob::from(&job) label="Training job".to_owned() testid="training-progress".to_owned() />
                        }
                        .into_any()
                    } else if let Some(error) = job.error.clone() {
                        view! {
                            <p role="alert" class="mt-2 text-sm text-red-700" data-testid="training-outcome">
                                {format!("Training job #{} {}: {error}", job.id, job.status.as_str())}
                            </p>
                        }
                        .into_any()
                    } else {
                        view! {
                            <p class="mt-2 text-sm text-emerald-700" data-testid="training-outcome">
                                {format!("Training job #{} {}: the models are in the registry above.", job.id, job.status.as_str())}
                            </p>
                        }
                        .into_any()
                    }
                }))
            })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// The registry: every model with its held-out metrics; admins promote and roll back.
#[component]
pub fn Registry(
    promote: ServerAction<PromoteModel>,
    rollback: ServerAction<RollbackModel>,
) -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::auth::current_user());
    let page = crate::pager::page_from_query("models_");
    let models = Resource::new(page, |(page, per_page)| list_models(page, per_page));
    let error = Signal::derive(move || {
        promote
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| rollback.value().get().and_then(|r| r.err()))
    });
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-4 text-lg font-semibold">"Models"</h2>
            <FormError error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        let admin = me.await.map(|u| u.role.is_admin()).unwrap_or(false);
                        models.await.map(|list| {
                            let shown = list.len();
                            view! {
                                <ModelTable list admin promote rollback />
                                <Pager prefix="models_" shown />
                            }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

fn number(value: Option<f64>, digits: usize) -> String {
    value
        .map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "–".into())
}

#[component]
fn ModelTable(
    list: Vec<ModelSummary>,
    admin: bool,
    promote: ServerAction<PromoteModel>,
    rollback: ServerAction<RollbackModel>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="text-sm text-slate-500">"No model yet: train from history or from an export above."</p> }.into_any();
    }
    let kinds: Vec<&'static str> = {
        let mut k: Vec<&'static str> = list
            .iter()
            .filter(|m| m.status == ModelStatus::Champion)
            .map(|m| m.kind.as_str())
            .collect();
        k.dedup();
        k
    };
    view! {
        <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="models">
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Model"</th>
                    <th>"Status"</th>
                    <th>"Features"</th>
                    <th>"Trained by"</th>
                    <th>"Rows"</th>
                    <th>"AUC"</th>
                    <th>"Log loss"</th>
                    <th>"MAE"</th>
                    <th>"MAPE"</th>
                    <th>"Interval"</th>
                    <th>"Held out"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|m| {
                        let id = m.id;
                        let can_promote = admin && m.status != ModelStatus::Champion;
                        view! {
                            <tr class="border-b last:border-0" data-model=m.version_label() data-model-status=m.status.as_str()>
                                <td class="py-2 font-medium">{m.version_label()}</td>
                                <td>{m.status.as_str()}</td>
                                <td class="text-xs">{m.feature_set.clone()}</td>
                                <td class="text-xs">{m.created_by.clone().unwrap_or_else(|| "–".into())}</td>
                                <td>{m.training_rows}</td>
                                <td>{number(m.metrics.auc, 3)}</td>
                                <td>{number(m.metrics.log_loss, 4)}</td>
                                <td>{number(m.metrics.mae, 4)}</td>
                                <td>{m.metrics.mape.map(|v| format!("{:.1} %", v * 100.0)).unwrap_or_else(|| "–".into())}</td>
                                <td>{m.metrics.interval_coverage.map(|v| format!("{:.0} % inside", v * 100.0)).unwrap_or_else(|| "–".into())}</td>
                                <td>{m.metrics.test_rows}</td>
                                <td class="text-right">
                                    {can_promote.then(|| view! {
                                        <ActionForm action=promote attr:class="inline">
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">"Promote"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table></div>
        {admin.then(|| view! {
            <div class="mt-4 flex gap-2">
                {kinds
                    .into_iter()
                    .map(|kind| view! {
                        <ActionForm action=rollback attr:class="inline">
                            <input type="hidden" name="kind" value=kind />
                            <button type="submit" class="rounded border border-slate-300 px-3 py-1 text-xs hover:bg-slate-100">
                                {format!("Roll back {kind} champion")}
                            </button>
                        </ActionForm>
                    })
                    .collect_view()}
            </div>
        })}
    }
    .into_any()
}

/// Scores one row of an export with the champion `ctr_export` model, in place:
/// an island (the page is loaded again when a training ends, which brings the
/// new champion's columns).
#[island]
pub fn CtrScorer() -> impl IntoView {
    let predict = ServerAction::<PredictCtr>::new();
    let inputs = Resource::new(|| (), |_| ctr_inputs());
    let error = Signal::derive(move || predict.value().get().and_then(|r| r.err()));
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-4 text-lg font-semibold">"Score an export row"</h2>
            <Suspense fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        inputs.await.map(|found| match found {
                            None => view! { <p class="text-sm text-slate-500" data-testid="no-csv-model">"No CTR model trained from an export yet: train one above. No score is shown without one."</p> }.into_any(),
                            Some((version, numeric, categorical)) => view! {
                                <ActionForm action=predict>
                                    <FormError error />
                                    <div class="grid gap-3 md:grid-cols-3">
                                        {numeric.into_iter().chain(categorical).enumerate().map(|(i, name)| view! {
                                            <label class="block text-sm font-medium">
                                                {name.clone()}
                                                <input type="hidden" name=format!("columns[{i}]") value=name.clone() />
                                                <input type="text" name=format!("values[{i}]") class="mt-1 block w-full rounded border border-slate-300 px-3 py-2" />
                                                <crate::ui::FieldMessage error field=name />
                                            </label>
                                        }).collect_view()}
                                    </div>
                                    <button type="submit" class="mt-4 rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">
                                        {format!("Predict with {version}")}
                                    </button>
                                </ActionForm>
                            }.into_any(),
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
            {move || predict.value().get().and_then(|r| r.ok()).map(|p| view! { <PredictionView p /> })}
        </section>
    }
}

#[component]
fn PredictionView(p: CtrPrediction) -> impl IntoView {
    view! {
        <div class="mt-4 rounded border border-slate-200 p-4" data-testid="csv-ctr-prediction">
            <p class="text-lg font-semibold">
                {format!("CTR {:.2} % · {}", p.ctr * 100.0, p.band.as_str())}
            </p>
            <p class="text-sm text-slate-600">
                {format!("95 % interval {:.2}–{:.2} % (held-out calibration) · model {}", p.low * 100.0, p.high * 100.0, p.model_version)}
            </p>
            <ul class="mt-2 text-sm">
                {p.top_features.into_iter().map(|c| view! {
                    <li>{format!("{}: {}", c.feature, if c.effect > 0.0 { "+" } else { "−" })}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}
