//! Small building blocks shared by the pages.

use crate::error::AppError;
use leptos::prelude::*;

/// The error of a form submission that is not about one field (or all of them, for
/// errors that do not name a field).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let text = match &e {
                AppError::Invalid(_) => "Please correct the highlighted fields.".to_owned(),
                other => other.to_string(),
            };
            view! {
                <p role="alert" class="mb-4 rounded bg-red-50 px-3 py-2 text-sm text-red-700">
                    {text}
                </p>
            }
        })
    }
}

/// The message under one input, when the last submission broke its rule.
#[component]
pub fn FieldMessage(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] field: String,
) -> impl IntoView {
    move || {
        let field = field.clone();
        error.get().and_then(|e| e.field(&field)).map(|message| {
            view! {
                <p class="mt-1 text-sm text-red-600" data-field-error=field>
                    {message}
                </p>
            }
        })
    }
}

/// What a resource shows when it fails: the message, and a way to sign in again
/// when the session has ended.
#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let list = errors.clone();
    view! {
        <div role="alert" class="rounded border border-red-200 bg-red-50 p-4 text-red-800">
            <ul>
                {move || {
                    list
                        .get()
                        .into_iter()
                        .map(|(_, e)| view! { <li>{e.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
            {move || {
                let signed_out = AppError::Unauthorized.to_string();
                errors
                    .get()
                    .into_iter()
                    .any(|(_, e)| e.to_string() == signed_out)
                    .then(|| {
                        view! {
                            <a href="/login" class="mt-2 inline-block text-sm underline" rel="external">
                                "Sign in again"
                            </a>
                        }
                    })
            }}
        </div>
    }
}

/// A loading line for Suspense fallbacks.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-500">"Loading…"</p> }
}
