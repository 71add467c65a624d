//! Importing creatives' daily results from an ad platform's report, so real
//! creatives have the hook rates, CTRs and ROAS the models learn from and the
//! Accuracy view scores against. A plain form post: it works before hydration.

use leptos::prelude::*;

#[component]
pub fn ResultsImport() -> impl IntoView {
    let query = crate::query::use_query();
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm">
            <h2 class="mb-2 text-lg font-semibold">"Import results"</h2>
            <p class="mb-4 text-sm text-slate-600">
                "A CSV report with one row per creative and day: "
                <code>"creative_id"</code> " (or " <code>"creative"</code> ", its name here), "
                <code>"day"</code> " (YYYY-MM-DD), " <code>"impressions"</code> ", "
                <code>"views_3s"</code> ", " <code>"clicks"</code> ", " <code>"spend"</code>
                ", and optionally " <code>"revenue"</code> " and " <code>"pipeline_revenue"</code>
                " (amounts like 12.50). A day already imported is replaced. The whole file is checked first: a problem is named by line and column, and nothing is stored."
            </p>
            <form method="post" action="/api/v1/creative-results" enctype="multipart/form-data" class="flex items-end gap-3">
                <label class="block flex-1 text-sm font-medium">
                    "Results CSV"
                    <input type="file" name="file" accept=".csv,text/csv" required data-testid="results-file" class="mt-1 block w-full rounded border border-slate-300 px-3 py-2" />
                </label>
                <button type="submit" class="rounded bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">"Import results"</button>
            </form>
            {move || query.read().get("results_error").map(|e| view! {
                <p role="alert" class="mt-2 text-sm text-red-700" data-testid="results-error">{e}</p>
            })}
            {move || query.read().get("results_imported").map(|n| view! {
                <p class="mt-2 text-sm text-emerald-700" data-testid="results-imported">
                    {format!("{n} rows of results imported.")}
                </p>
            })}
        </section>
    }
}
