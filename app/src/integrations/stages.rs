//! The stage values of the Integrations page: what each CRM deal stage is worth.
//! One form posts every row as `stages[i][field]`; errors name `stages[i].field`.

use super::api::SaveStages;
use crate::error::AppError;
use crate::ui::{FieldMessage, FormError};
use leptos::prelude::*;
use titan::domain::learning::StageValue;

const CELL: &str = "w-full rounded border border-slate-300 px-2 py-1";

fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// One row of inputs; `stage` `None` is an empty row added by "Add stage".
fn stage_row(
    i: usize,
    stage: Option<StageValue>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let value = stage
        .as_ref()
        .map(|s| amount(s.value_cents))
        .unwrap_or_default();
    let stage = stage.unwrap_or(StageValue {
        pipeline: String::new(),
        stage: String::new(),
        label: String::new(),
        value_cents: 0,
        is_lost: false,
    });
    let name = move |field: &str| format!("stages[{i}][{field}]");
    let field = move |f: &str| format!("stages[{i}].{f}");
    view! {
        <tr class="border-b align-top last:border-0" data-stage-row=i>
            <td class="py-1 pr-2">
                <input name=name("pipeline") value=stage.pipeline aria-label=format!("Pipeline of row {}", i + 1) placeholder="*" class=CELL />
                <FieldMessage error field=field("pipeline") />
            </td>
            <td class="pr-2">
                <input name=name("stage") value=stage.stage aria-label=format!("Stage id of row {}", i + 1) class=CELL />
                <FieldMessage error field=field("stage") />
            </td>
            <td class="pr-2">
                <input name=name("label") value=stage.label aria-label=format!("Label of row {}", i + 1) class=CELL />
                <FieldMessage error field=field("label") />
            </td>
            <td class="pr-2">
                <input name=name("value") value=value inputmode="decimal" aria-label=format!("Value in dollars of row {}", i + 1) placeholder="0.00" class=CELL />
                <FieldMessage error field=field("value") />
            </td>
            <td class="text-center">
                <input type="checkbox" name=name("lost") value="on" checked=stage.is_lost aria-label=format!("Row {} is a lost stage", i + 1) class="mt-2" />
            </td>
        </tr>
    }
}

/// The stage table: rows are added in the browser and saved in place (an island).
#[island]
pub fn StagesSection(stages: Vec<StageValue>) -> impl IntoView {
    let action = ServerAction::<SaveStages>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let done = move || matches!(action.value().get(), Some(Ok(_)));
    let stored = stages.len();
    // Empty rows added in this browser since the table was last loaded.
    let added = RwSignal::new(0usize);
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm" data-testid="stage-values">
            <h2 class="mb-1 text-lg font-semibold">"Stage values"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "What a deal reaching each stage is worth, credited to the creative that brought it. Pipeline * applies to every pipeline; a lost stage credits nothing."
            </p>
            <FormError error />
            <FieldMessage error field="stages" />
            <ActionForm action attr:class="text-sm">
                <div class="overflow-x-auto"><table class="w-full text-left">
                    <thead class="border-b text-xs uppercase text-slate-500">
                        <tr>
                            <th class="py-2">"Pipeline"</th>
                            <th>"Stage id"</th>
                            <th>"Label"</th>
                            <th>"Value ($)"</th>
                            <th class="text-center">"Lost"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {stages
                            .into_iter()
                            .enumerate()
                            .map(|(i, s)| stage_row(i, Some(s), error))
                            .collect_view()}
                        <For each=move || stored..stored + added.get() key=|i| *i let(i)>
                            {stage_row(i, None, error)}
                        </For>
                    </tbody>
                </table></div>
                <div class="mt-4 flex items-center gap-3">
                    <button
                        type="button"
                        class="rounded border border-slate-300 px-4 py-1.5 hover:bg-slate-100"
                        on:click=move |_| added.update(|n| *n += 1)
                    >
                        "Add stage"
                    </button>
                    <button type="submit" class="rounded bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500">
                        "Save stages"
                    </button>
                    {move || done().then(|| view! { <span role="status" class="text-emerald-700">"Stages saved."</span> })}
                </div>
            </ActionForm>
        </section>
    }
}
