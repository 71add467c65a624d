//! The Accuracy view: for each model version, its logged predictions about
//! creatives scored against their actual results.

use super::api::accuracy_by_model;
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;
use titan::domain::creative::ModelAccuracy;

fn cell(value: Option<f64>, scale: f64, digits: usize, unit: &str) -> String {
    value
        .map(|v| format!("{:.digits$}{unit}", v * scale))
        .unwrap_or_else(|| "–".into())
}

#[component]
pub fn AccuracyView() -> impl IntoView {
    let rows = Resource::new(|| (), |_| accuracy_by_model());
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-2 text-lg font-semibold">"Accuracy"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "The last prediction of each model about each creative, against the creative's actual results (hook rate, CTR, ROAS with pipeline revenue). Creatives a model was trained on are left out: it is only scored on results it never saw. CTR errors are in percentage points."
            </p>
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        rows.await.map(|list: Vec<ModelAccuracy>| {
                            if list.is_empty() {
                                return view! { <p class="text-sm text-slate-500" data-testid="no-accuracy">"No prediction has actuals yet: analyse creatives that have results (held-out ones are marked in the picker)."</p> }.into_any();
                            }
                            view! {
                                <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="accuracy">
                                    <thead class="border-b text-xs uppercase text-slate-500">
                                        <tr><th class="py-2">"Model"</th><th>"Matched"</th><th>"Left out (trained on)"</th><th>"MAE"</th><th>"RMSE"</th><th>"MAPE"</th><th>"AUC"</th></tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|a| {
                                            let (scale, unit) = if a.kind == titan::domain::model::ModelKind::Ctr { (100.0, " pp") } else { (1.0, "") };
                                            view! {
                                                <tr class="border-b last:border-0" data-accuracy=a.model_version.clone()>
                                                    <td class="py-2 font-medium">{a.model_version.clone()}</td>
                                                    <td data-testid="matched">{a.matched}</td>
                                                    <td>{a.seen_in_training}</td>
                                                    <td>{cell(a.mae, scale, 3, unit)}</td>
                                                    <td>{cell(a.rmse, scale, 3, unit)}</td>
                                                    <td>{cell(a.mape, 100.0, 1, " %")}</td>
                                                    <td>{cell(a.auc, 1.0, 3, "")}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table></div>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
