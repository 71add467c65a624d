//! The OpenAPI 3.1 document of the REST API, served at `GET /api/v1/openapi.json`
//! (no CDN, no UI: the JSON alone, public like the route list of any API).
//!
//! It is built from the code so it cannot drift:
//! - each operation names its handler, and the handler's own signature says
//!   what the operation takes and answers: a `Path<…>` gives the path
//!   parameters, `Query<T>` the query parameters (from `T`'s schema), `Body<T>`
//!   the request body, `ApiResult<Json<T>>` the answer, `Caller` the security
//!   requirement and its refusals (see [`Describe`]);
//! - every schema is derived (`schemars::JsonSchema`) from the Rust type that is
//!   (de)serialized, honouring its serde attributes; request bodies are
//!   described as they are deserialized, answers as they are serialized;
//! - the operations listed in [`operations`] are checked against the routes
//!   registered in [`super::router`] by this module's tests (the source of
//!   `router()`) and by `tests/api/openapi.rs` (the running router).
//!
//! What the table itself states, and no type can: the method and path (checked
//! as above), the scopes an API key needs (the `actor.require(Scope::…)` calls
//! of the core), the status of a `201 Created`, a one-line summary, and whether
//! the operation can answer 409 for a state conflict.

use super::caller::Caller;
use super::json::{Body, Query};
use super::problem::{ApiError, ApiResult};
use super::{ApiState, experiments as e, models as m, resources as r};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use titan::domain::api_key::Scope;

mod build;
mod operations;
mod signature;

pub use build::document;
pub use operations::{operations, routes};
pub use signature::*;

/// Where the document is served.
pub const PATH: &str = "/api/v1/openapi.json";

static DOCUMENT: LazyLock<String> = LazyLock::new(|| document().to_string());

/// `GET /api/v1/openapi.json`: the document, built once per process.
pub async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `(method, path)` of every `.route(…)` in the source of `router()`.
    fn routes_in_router_source() -> BTreeSet<(String, String)> {
        let source = include_str!("../mod.rs");
        let start = source.find("pub fn router(").expect("router() in mod.rs");
        let body = &source[start..];
        let body = &body[..body.find("\n}\n").expect("end of router()")];
        let mut routes = BTreeSet::new();
        for call in body.split(".route(").skip(1) {
            let call = call.trim_start();
            let path = call
                .strip_prefix('"')
                .and_then(|rest| rest.split_once('"'))
                .map(|(path, _)| path)
                .expect("a route's path is a string literal");
            let mut depth = 1;
            let end = call
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("a route call closes");
            let methods = &call[path.len() + 2..end];
            for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
                let called = methods.match_indices(&format!("{method}(")).any(|(i, _)| {
                    let before = methods[..i].chars().next_back();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if called {
                    routes.insert((method.to_owned(), path.to_owned()));
                }
            }
        }
        routes
    }

    #[test]
    fn every_route_of_the_router_is_documented_and_nothing_else() {
        let in_router = routes_in_router_source();
        assert!(in_router.len() > 10, "router() parsed: {in_router:?}");
        let doc = document();
        let mut in_document = BTreeSet::new();
        for (path, methods) in doc["paths"].as_object().unwrap() {
            for method in methods.as_object().unwrap().keys() {
                in_document.insert((method.clone(), path.clone()));
            }
        }
        assert_eq!(in_router, in_document);
        let listed: BTreeSet<_> = routes()
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
        assert_eq!(listed, in_document);
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        fn walk(value: &Value, doc: &Value) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.strip_prefix('#').expect("a local reference");
                        assert!(doc.pointer(pointer).is_some(), "dangling {target}");
                    }
                    map.values().for_each(|v| walk(v, doc));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, doc)),
                _ => {}
            }
        }
        walk(&doc, &doc);
    }

    #[test]
    fn coded_enums_are_their_codes() {
        let doc = document();
        let metric = &doc["components"]["schemas"]["Metric"];
        assert_eq!(metric["type"], "string");
        assert_eq!(
            metric["enum"],
            json!(["click", "hook", "conversion", "pipeline_value"])
        );
        let created = &doc["components"]["schemas"]["Campaign"]["properties"]["created_at"];
        assert_eq!(created["format"], "date-time");
    }

    #[test]
    fn writes_name_their_scopes() {
        let doc = document();
        let events = &doc["paths"]["/api/v1/experiments/{id}/events"]["post"];
        assert_eq!(
            events["security"][0]["bearer"],
            json!(["experiments:write"])
        );
        let results = &doc["paths"]["/api/v1/results"]["post"];
        assert_eq!(results["security"][0]["bearer"], json!(["results:write"]));
        let create = &doc["paths"]["/api/v1/experiments"]["post"];
        assert!(create["responses"]["201"].is_object());
    }
}
