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

/// Server-rendered: the live parts are islands of their own (the creative
/// picker's search, a job being waited for, the export-row scorer), so the
/// Studio's tables and forms send no code to the browser.
#[component]
pub fn StudioPage() -> impl IntoView {
    let promote = ServerAction::<PromoteModel>::new();
    let rollback = ServerAction::<RollbackModel>::new();
    view! {
        <Title text="Studio" />
        <h1 class="mb-6 text-2xl font-semibold">"Studio"</h1>
        <creative::CreativeWorkbench />
        <registry::Registry promote rollback />
        <accuracy::AccuracyView />
        <results::ResultsImport />
        <registry::Training />
        <registry::CtrScorer />
    }
}
