//! The page's query string, read the same way on the server and in the browser.
//!
//! Pages are server-rendered and only their live parts run in the browser
//! (Leptos islands), so there is no client-side router there: inside an island,
//! the router's hooks have nothing to read. [`use_query`] reads the router while
//! the server renders, and the address bar in the browser; [`replace_query`]
//! changes the address in place (no new history entry, no page load), and every
//! reader follows.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The query parameters of the page being shown.
#[cfg(not(feature = "hydrate"))]
pub fn use_query() -> Memo<ParamsMap> {
    leptos_router::hooks::use_query_map()
}

/// The query parameters of the page being shown.
#[cfg(feature = "hydrate")]
pub fn use_query() -> Memo<ParamsMap> {
    let current = browser::current();
    Memo::new(move |_| current.get())
}

/// Puts `path` with `query` in the address bar in place of the current address,
/// and tells every reader of [`use_query`]. Does nothing on the server.
pub fn replace_query(
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))] path: &str,
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))] query: ParamsMap,
) {
    #[cfg(feature = "hydrate")]
    browser::replace(path, query);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos_router::location::{BrowserUrl, LocationProvider};
    use leptos_router::params::ParamsMap;

    thread_local! {
        /// One per page: every island reads the same address.
        static CURRENT: ArcRwSignal<ParamsMap> = ArcRwSignal::new(read_address());
    }

    fn read_address() -> ParamsMap {
        let href = window().location().href().unwrap_or_default();
        match BrowserUrl::parse(&href) {
            Ok(url) => url.search_params().clone(),
            Err(e) => {
                leptos::logging::error!("cannot read the address {href:?}: {e:?}");
                ParamsMap::new()
            }
        }
    }

    pub fn current() -> ArcRwSignal<ParamsMap> {
        CURRENT.with(Clone::clone)
    }

    pub fn replace(path: &str, query: ParamsMap) {
        let url = format!("{path}{}", query.to_query_string());
        let history = window().history();
        if let Err(e) = history
            .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)))
        {
            leptos::logging::error!("cannot change the address to {url:?}: {e:?}");
        }
        CURRENT.with(|current| current.set(query));
    }
}
