//! Previous / next links under a paginated list. The page lives in the URL query
//! (`?page=2`, or `?jobs_page=2` when a page shows two lists), so the links work
//! without JavaScript, a page can be linked, and the list's resource follows the
//! URL.

use leptos::prelude::*;
use titan::domain::page::{DEFAULT_PER_PAGE, MAX_PAGE};

/// The page and page size the URL asks for under `{prefix}page` and
/// `{prefix}per_page`, as typed (the server function parses them, so a bad value
/// is answered with a message naming the field).
pub fn page_from_query(
    prefix: &'static str,
) -> impl Fn() -> (String, String) + Copy + Send + Sync + 'static {
    let query = crate::query::use_query();
    move || {
        let query = query.read();
        (
            query.get(&format!("{prefix}page")).unwrap_or_default(),
            query.get(&format!("{prefix}per_page")).unwrap_or_default(),
        )
    }
}

/// Links to the neighbouring pages of a list of which `shown` rows are on this
/// page. "Next" is offered while a page is full.
#[component]
pub fn Pager(prefix: &'static str, shown: usize) -> impl IntoView {
    let query = crate::query::use_query();
    let key = format!("{prefix}page");
    let current = query
        .read_untracked()
        .get(&key)
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .unwrap_or(1);
    let per_page = query
        .read_untracked()
        .get(&format!("{prefix}per_page"))
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PER_PAGE as usize);
    let href = move |page: u32| {
        let mut map = query.get_untracked();
        map.replace(key.clone(), page.to_string());
        map.to_query_string()
    };
    let previous = (current > 1).then(|| href(current - 1));
    let next = (shown >= per_page && current < MAX_PAGE).then(|| href(current + 1));
    let link = "rounded border border-slate-300 px-2 py-1 hover:bg-slate-100";
    view! {
        <nav class="mt-3 flex items-center gap-3 text-sm text-slate-600" aria-label="Pages" data-testid=format!("{prefix}pager")>
            {previous.map(|h| view! { <a href=h class=link rel="prev">"← Previous"</a> })}
            <span>{format!("Page {current}")}</span>
            {next.map(|h| view! { <a href=h class=link rel="next">"Next →"</a> })}
        </nav>
    }
}

/// Parses a server function's `page` and `per_page` arguments.
#[cfg(feature = "ssr")]
pub fn parse_page(
    page: &str,
    per_page: &str,
) -> crate::error::AppResult<titan::domain::page::PageRequest> {
    titan::domain::page::PageRequest::parse(page, per_page).map_err(crate::error::AppError::Invalid)
}
