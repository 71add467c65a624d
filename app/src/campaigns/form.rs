//! The campaign fields, shared by the create and edit forms. Input names match the
//! server-function arguments, so the form posts without JavaScript too.

use crate::error::AppError;
use crate::ui::FieldMessage;
use leptos::prelude::*;
use titan::domain::{Campaign, Currency, Niche, Objective, Platform};

const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 bg-white px-3 py-2";
const LABEL: &str = "block text-sm font-medium";

/// Inputs for every editable campaign field, filled from `initial` when editing.
#[component]
pub fn CampaignFields(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] initial: Option<Campaign>,
) -> impl IntoView {
    let name = initial.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let objective = initial.as_ref().map(|c| c.objective);
    let budget = initial
        .as_ref()
        .map(|c| c.daily_budget.amount_string())
        .unwrap_or_default();
    let currency = initial
        .as_ref()
        .map(|c| c.daily_budget.currency())
        .unwrap_or(Currency::USD);
    let platforms = initial
        .as_ref()
        .map(|c| c.platforms.clone())
        .unwrap_or_default();
    let niche = initial.as_ref().map(|c| c.niche);
    view! {
        <div class="grid gap-4 md:grid-cols-2">
            <label class=LABEL>
                "Name"
                <input type="text" name="name" value=name maxlength="120" class=INPUT />
                <FieldMessage error field="name" />
            </label>
            <label class=LABEL>
                "Objective"
                <select name="objective" class=INPUT>
                    {Objective::ALL
                        .iter()
                        .map(|o| {
                            view! {
                                <option value=o.as_str() selected=objective == Some(*o)>
                                    {o.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <FieldMessage error field="objective" />
            </label>
            <div class="flex gap-2">
                <label class=format!("{LABEL} flex-1")>
                    "Daily budget"
                    <input
                        type="text"
                        inputmode="decimal"
                        name="daily_budget"
                        value=budget
                        placeholder="50.00"
                        class=INPUT
                    />
                    <FieldMessage error field="daily_budget" />
                </label>
                <label class=LABEL>
                    "Currency"
                    <select name="currency" class=INPUT>
                        {Currency::ALL
                            .iter()
                            .map(|c| {
                                view! {
                                    <option value=c.code() selected=currency == *c>
                                        {c.code()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldMessage error field="currency" />
                </label>
            </div>
            <label class=LABEL>
                "Niche"
                <select name="niche" class=INPUT>
                    {Niche::ALL
                        .iter()
                        .map(|n| {
                            view! {
                                <option value=n.as_str() selected=niche == Some(*n)>
                                    {n.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <FieldMessage error field="niche" />
            </label>
            <fieldset class="md:col-span-2">
                <legend class=LABEL>"Platforms"</legend>
                <div class="mt-1 flex flex-wrap gap-4">
                    {Platform::ALL
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            view! {
                                <label class="inline-flex items-center gap-2 text-sm">
                                    <input
                                        type="checkbox"
                                        name=format!("platforms[{i}]")
                                        value=p.as_str()
                                        checked=platforms.contains(p)
                                    />
                                    {p.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                <FieldMessage error field="platforms" />
            </fieldset>
        </div>
    }
}
