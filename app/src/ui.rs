//! Small building blocks shared by the pages.

use crate::error::AppError;
use leptos::prelude::*;

/// Sends the browser to the sign-in page, back to this page afterwards: what a
/// page does once the server says its session has ended (signed out elsewhere,
/// or the account was deactivated).
#[cfg(feature = "hydrate")]
fn go_to_sign_in() {
    let location = window().location();
    let here = location.pathname().unwrap_or_default().replace('&', "%26");
    if here == "/login" {
        return;
    }
    if let Err(e) = location.set_href(&format!("/login?next={here}")) {
        leptos::logging::error!("cannot open the sign-in page: {e:?}");
    }
}

/// The error of a form submission that is not about one field (or all of them, for
/// errors that do not name a field). A 401 sends the browser to the sign-in page.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if error.get() == Some(AppError::Unauthorized) {
            go_to_sign_in();
        }
    });
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
/// when the session has ended (in the browser it goes to the sign-in page at once).
#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let list = errors.clone();
    #[cfg(feature = "hydrate")]
    {
        let errors = errors.clone();
        Effect::new(move |_| {
            let signed_out = AppError::Unauthorized.to_string();
            if errors
                .get()
                .into_iter()
                .any(|(_, e)| e.to_string() == signed_out)
            {
                go_to_sign_in();
            }
        });
    }
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
