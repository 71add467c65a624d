//! The Studio: score a creative (hook class, CTR band, ROAS interval, reasons and
//! model versions), train and manage the models, and see how accurate they were.

mod accuracy;
mod api;
mod creative;
mod registry;
mod results;
mod tracking;

pub use api::*;
pub use registry::{
    CtrInputs, ListModels, PredictCtr, PromoteModel, RollbackModel, ctr_inputs, list_models,
    predict_ctr, promote_model, rollback_model,
};

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StudioPage() -> impl IntoView {
    let promote = ServerAction::<PromoteModel>::new();
    let rollback = ServerAction::<RollbackModel>::new();
    // This person's jobs as they change (analyses, trainings): a finished one
    // refreshes the registry, the accuracy table and the export-row scorer.
    let live = crate::renders::live_jobs(false);
    let finished =
        Memo::new(move |_| live.with(|jobs| jobs.values().filter(|j| j.status.is_final()).count()));
    let refresh =
        Signal::derive(move || promote.version().get() + rollback.version().get() + finished.get());
    view! {
        <Title text="Studio" />
        <h1 class="mb-6 text-2xl font-semibold">"Studio"</h1>
        <creative::CreativeWorkbench live />
        <registry::Registry promote rollback refresh />
        <accuracy::AccuracyView refresh />
        <results::ResultsImport />
        <registry::Training />
        <registry::CtrScorer refresh />
    }
}
