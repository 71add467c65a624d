//! The People section of the Admin page: add a person (and hand over the link to
//! choose a password), change a role, deactivate or reactivate, reset a password.
//! Server-rendered: every button is a small form posting to one server function
//! and coming back to the page; a link just made comes back in the session
//! (shown once, then gone), never in the address.

use super::people::{
    AddUser, ChangeRole, DeactivateUser, ReactivateUser, ResetPassword, list_users, take_new_link,
};
use crate::error::AppError;
use crate::ui::{ErrorPanel, FieldMessage, FormError, Loading};
use leptos::prelude::*;
use titan::domain::{Role, SetPasswordLink, UserSummary};

/// The actions of the section, handed to every row.
#[derive(Clone, Copy)]
struct PeopleActions {
    role: ServerAction<ChangeRole>,
    deactivate: ServerAction<DeactivateUser>,
    reactivate: ServerAction<ReactivateUser>,
    reset: ServerAction<ResetPassword>,
}

#[component]
pub fn PeopleSection() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let actions = PeopleActions {
        role: ServerAction::new(),
        deactivate: ServerAction::new(),
        reactivate: ServerAction::new(),
        reset: ServerAction::new(),
    };
    let users = Resource::new(|| (), |_| list_users());
    // The newest link, from adding a person or resetting a password.
    let link = Resource::new(|| (), |_| take_new_link());
    let add_error = Signal::derive(move || add.value().get().and_then(|r| r.err()));
    let row_error = Signal::derive(move || {
        let first = |e: Option<Result<UserSummary, AppError>>| e.and_then(|r| r.err());
        first(actions.role.value().get())
            .or_else(|| first(actions.deactivate.value().get()))
            .or_else(|| first(actions.reactivate.value().get()))
            .or_else(|| actions.reset.value().get().and_then(|r| r.err()))
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm" data-testid="people">
            <h2 class="mb-1 text-lg font-semibold">"People"</h2>
            <p class="mb-4 text-sm text-slate-500">
                "The people of this workspace. A new person gets a one-time link to choose their password; hand it over yourself (it works once, for 72 hours)."
            </p>
            <ActionForm action=add attr:class="mb-4 flex flex-wrap items-start gap-3 text-sm">
                <label class="block">
                    "Email"
                    <input
                        type="email"
                        name="email"
                        required
                        class="mt-1 block w-72 max-w-full rounded border border-slate-300 px-3 py-1.5"
                    />
                    <FieldMessage error=add_error field="email" />
                </label>
                <label class="block">
                    "Role"
                    <select name="role" class="mt-1 block rounded border border-slate-300 px-2 py-1.5">
                        <option value="marketer">"marketer"</option>
                        <option value="admin">"admin"</option>
                    </select>
                    <FieldMessage error=add_error field="role" />
                </label>
                <button
                    type="submit"
                    class="mt-5 rounded bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500"
                >
                    "Add person"
                </button>
            </ActionForm>
            <FormError error=add_error />
            <Suspense>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        link.await.map(|found| found.map(|made| view! { <LinkPanel made /> }))
                    })}
                </ErrorBoundary>
            </Suspense>
            <FormError error=row_error />
            <Transition fallback=Loading>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors /> }>
                    {move || Suspend::new(async move {
                        users.await.map(|list| view! { <PeopleTable list actions /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// The link just made, to copy and hand over.
#[component]
fn LinkPanel(made: SetPasswordLink) -> impl IntoView {
    let until = made.expires_at.date().to_string();
    view! {
        <div class="mb-4 rounded border border-emerald-200 bg-emerald-50 p-4 text-sm" role="status">
            <p class="mb-2">
                "Hand this link to "
                <strong>{made.user.email.clone()}</strong>
                " so they can choose a password. It works once, until "
                {until}
                "; it is not shown again."
            </p>
            <FullLink path=made.path() />
        </div>
    }
}

/// The link as a whole URL to copy: the page renders its path, and the browser,
/// which knows the address it reached this server by, puts its origin in front
/// (an island of one input).
#[island]
fn FullLink(path: String) -> impl IntoView {
    let path_shown = path.clone();
    let url = RwSignal::new(path.clone());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(origin) = window().location().origin() {
            url.set(format!("{origin}{path}"));
        }
    });
    view! {
        <input
            readonly
            class="w-full rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs"
            data-testid="set-password-link"
            value=path_shown
            prop:value=url
        />
    }
}

/// One small form with the person's id, posting to `action`.
macro_rules! person_button {
    ($id:expr, $label:expr, $action:expr) => {
        view! {
            <ActionForm action=$action attr:class="inline">
                <input type="hidden" name="user_id" value=$id />
                <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
                    {$label}
                </button>
            </ActionForm>
        }
    };
}

#[component]
fn PeopleTable(list: Vec<UserSummary>, actions: PeopleActions) -> impl IntoView {
    view! {
        <div class="overflow-x-auto"><table class="w-full text-left text-sm">
            <thead class="border-b text-xs uppercase text-slate-500">
                <tr>
                    <th class="py-2">"Email"</th>
                    <th>"Role"</th>
                    <th>"Status"</th>
                    <th>"Added"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|u| view! { <PersonRow user=u actions /> }).collect_view()}
            </tbody>
        </table></div>
    }
}

#[component]
fn PersonRow(user: UserSummary, actions: PeopleActions) -> impl IntoView {
    let id = user.id;
    let active = user.is_active();
    let other_role = match user.role {
        Role::Admin => Role::Marketer,
        Role::Marketer => Role::Admin,
    };
    view! {
        <tr class="border-b last:border-0" data-person=user.email.clone()>
            <td class="py-2">
                {user.email.clone()}
                {user.is_demo.then(|| view! { <span class="ml-2 text-xs text-amber-700">"demo"</span> })}
            </td>
            <td data-testid="person-role">{user.role.as_str()}</td>
            <td data-testid="person-status">
                {if active {
                    view! { <span class="text-emerald-700">"active"</span> }.into_any()
                } else {
                    view! { <span class="text-slate-500">"deactivated"</span> }.into_any()
                }}
            </td>
            <td>{user.created_at.date().to_string()}</td>
            <td class="flex flex-wrap justify-end gap-2 py-2">
                <ActionForm action=actions.role attr:class="inline">
                    <input type="hidden" name="user_id" value=id />
                    <input type="hidden" name="role" value=other_role.as_str() />
                    <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
                        {format!("Make {}", other_role.as_str())}
                    </button>
                </ActionForm>
                {if active {
                    view! {
                        {person_button!(id, "Reset password", actions.reset)}
                        {person_button!(id, "Deactivate", actions.deactivate)}
                    }
                    .into_any()
                } else {
                    person_button!(id, "Reactivate", actions.reactivate).into_any()
                }}
            </td>
        </tr>
    }
}
