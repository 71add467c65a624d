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
use super::{ApiState, experiments as e, resources as r};
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

/// Schema generators: request bodies and parameters are described as serde
/// deserializes them (a `#[serde(default)]` field is optional), answers as it
/// serializes them (a `skip_serializing_if` field may be absent).
pub struct Generators {
    input: SchemaGenerator,
    output: SchemaGenerator,
}

impl Generators {
    fn new() -> Self {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        Generators {
            input: settings.clone().for_deserialize().into_generator(),
            output: settings.for_serialize().into_generator(),
        }
    }

    /// Every named schema either generator met, under `#/components/schemas`.
    fn take_definitions(&mut self) -> Map<String, Value> {
        let mut all = self.output.take_definitions(true);
        for (name, schema) in self.input.take_definitions(true) {
            match all.get(&name) {
                Some(other) if *other != schema => panic!(
                    "schema `{name}` differs between requests and answers; \
                     give one of the two types another schema name"
                ),
                _ => {
                    all.insert(name, schema);
                }
            }
        }
        all
    }
}

/// What a handler's signature says about its operation.
#[derive(Default)]
pub struct Signature {
    path_params: Vec<Schema>,
    query: Option<Schema>,
    body: Option<Schema>,
    caller: bool,
    /// The status the handler answers with, when its type fixes it.
    status: Option<u16>,
    answer: Option<Schema>,
}

/// A handler argument that shows in the document.
pub trait Part {
    fn describe(signature: &mut Signature, generators: &mut Generators);
}

impl Part for State<ApiState> {
    fn describe(_: &mut Signature, _: &mut Generators) {}
}

impl Part for Caller {
    fn describe(signature: &mut Signature, _: &mut Generators) {
        signature.caller = true;
    }
}

impl<T: PathParams> Part for Path<T> {
    fn describe(signature: &mut Signature, generators: &mut Generators) {
        signature.path_params = T::schemas(&mut generators.input);
    }
}

impl<T: JsonSchema> Part for Query<T> {
    fn describe(signature: &mut Signature, generators: &mut Generators) {
        signature.query = Some(T::json_schema(&mut generators.input));
    }
}

impl<T: JsonSchema> Part for Body<T> {
    fn describe(signature: &mut Signature, generators: &mut Generators) {
        signature.body = Some(generators.input.subschema_for::<T>());
    }
}

/// The type a `Path` extractor parses, one schema per `{…}` of the path.
pub trait PathParams {
    fn schemas(generator: &mut SchemaGenerator) -> Vec<Schema>;
}

impl PathParams for i64 {
    fn schemas(generator: &mut SchemaGenerator) -> Vec<Schema> {
        vec![generator.subschema_for::<i64>()]
    }
}

impl<A: JsonSchema, B: JsonSchema> PathParams for (A, B) {
    fn schemas(generator: &mut SchemaGenerator) -> Vec<Schema> {
        vec![
            generator.subschema_for::<A>(),
            generator.subschema_for::<B>(),
        ]
    }
}

/// A handler's answer.
pub trait Answer {
    fn describe(signature: &mut Signature, generator: &mut SchemaGenerator);
}

impl<T: JsonSchema> Answer for ApiResult<Json<T>> {
    fn describe(signature: &mut Signature, generator: &mut SchemaGenerator) {
        signature.status = Some(200);
        signature.answer = Some(generator.subschema_for::<T>());
    }
}

/// The status is the handler's choice: the operation states it.
impl<T: JsonSchema> Answer for ApiResult<(StatusCode, Json<T>)> {
    fn describe(signature: &mut Signature, generator: &mut SchemaGenerator) {
        signature.answer = Some(generator.subschema_for::<T>());
    }
}

/// A handler (`async fn` of [`Part`]s answering an [`Answer`]) described from
/// its type; `M` only tells the arities apart.
pub trait Describe<M> {
    fn describe(&self, generators: &mut Generators) -> Signature;
}

macro_rules! describe_handler {
    ($($arg:ident),+) => {
        impl<F, Fut, R, $($arg),+> Describe<($($arg,)+ R)> for F
        where
            F: Fn($($arg),+) -> Fut,
            Fut: Future<Output = R>,
            R: Answer,
            $($arg: Part,)+
        {
            fn describe(&self, generators: &mut Generators) -> Signature {
                let mut signature = Signature::default();
                $($arg::describe(&mut signature, generators);)+
                R::describe(&mut signature, &mut generators.output);
                signature
            }
        }
    };
}

describe_handler!(A1, A2);
describe_handler!(A1, A2, A3);
describe_handler!(A1, A2, A3, A4);

/// One operation of the API.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    /// `module_handler`, from the handler's name.
    pub id: String,
    pub summary: &'static str,
    /// Every scope an API key needs (a signed-in person has them all).
    pub scopes: &'static [Scope],
    /// Can answer 409 when the resource's state does not allow the call.
    pub conflict: bool,
    signature: Signature,
}

impl Operation {
    fn new<M, H: Describe<M>>(
        generators: &mut Generators,
        method: &'static str,
        path: &'static str,
        handler: H,
        summary: &'static str,
        scopes: &'static [Scope],
    ) -> Self {
        let name = std::any::type_name::<H>();
        let mut segments = name.rsplit("::");
        let function = segments.next().unwrap_or(name);
        let module = segments.next().unwrap_or("api");
        Operation {
            method,
            path,
            id: format!("{module}_{function}"),
            summary,
            scopes,
            conflict: false,
            signature: handler.describe(generators),
        }
    }

    fn status(mut self, status: u16) -> Self {
        self.signature.status = Some(status);
        self
    }

    fn conflict(mut self) -> Self {
        self.conflict = true;
        self
    }
}

const GET: &str = "get";
const POST: &str = "post";
const READ: &[Scope] = &[Scope::Read];
const EXPERIMENTS_WRITE: &[Scope] = &[Scope::ExperimentsWrite];
/// Changes that answer the experiment as it now is: the write, then a read.
const EXPERIMENTS_WRITE_READ: &[Scope] = &[Scope::ExperimentsWrite, Scope::Read];
const RESULTS_WRITE: &[Scope] = &[Scope::ResultsWrite];

/// Every operation of [`super::router`] but the document itself, in its order.
pub fn operations(g: &mut Generators) -> Vec<Operation> {
    use Operation as Op;
    vec![
        Op::new(
            g,
            GET,
            "/api/v1/campaigns",
            r::campaigns,
            "List the workspace's campaigns, newest first.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/campaigns/{id}",
            r::campaign,
            "Read one campaign.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/creatives",
            r::creatives,
            "List the workspace's creatives with their results and last analysis, newest first.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/creatives/{id}",
            r::creative,
            "Read one creative.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/creatives/{id}/predictions",
            r::predictions,
            "What the models said about a creative: its last analysis and the logged predictions (newest first, at most 100).",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/jobs/{id}",
            r::job,
            "Read one background job: where it is and what it made.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/results",
            r::results,
            "Write daily results of creatives (the rows of a results CSV); a day already stored is replaced, nothing is written when any row is refused.",
            RESULTS_WRITE,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/experiments",
            e::list,
            "List the workspace's experiments, newest first.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/experiments",
            e::create,
            "Create a draft experiment over 2 to 20 creatives of one campaign; empty settings take their defaults.",
            EXPERIMENTS_WRITE_READ,
        )
        .status(201),
        Op::new(
            g,
            GET,
            "/api/v1/experiments/{id}",
            e::get,
            "Read one experiment with its arms' statistics, periods and recommended split.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/start",
            e::start,
            "Start a draft: the first period splits traffic equally between active arms.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/apply",
            e::apply,
            "Apply the recommended split (a new period starts); refused while the recommendation is held or equals the current split.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/stop",
            e::stop,
            "Stop the experiment, naming the winner when the evidence has one.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/arms",
            e::add_arm,
            "Add a creative of the campaign as an arm; in a running experiment it starts at the floor share.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/arms/{arm_id}/pause",
            e::pause_arm,
            "Pause an arm (share 0); the last active arm cannot be paused.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/arms/{arm_id}/resume",
            e::resume_arm,
            "Resume a paused arm at the floor share.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/choose",
            e::choose,
            "The arm to serve now, drawn by the current split of a running experiment.",
            EXPERIMENTS_WRITE,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/events",
            e::events,
            "Report impressions, clicks, 3-second views and conversions of a running experiment; durable when answered, an event id already stored counts once (`duplicates`).",
            EXPERIMENTS_WRITE,
        )
        .conflict(),
    ]
}

/// `(method, path)` of every operation in the document, the document's own
/// route included.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    let mut generators = Generators::new();
    let mut routes: Vec<_> = operations(&mut generators)
        .iter()
        .map(|op| (op.method, op.path))
        .collect();
    routes.push((GET, PATH));
    routes
}

/// A reference to a response of `#/components/responses`.
fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The problem responses, by status, with what they mean.
const PROBLEMS: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "The body is not valid JSON, or a path id is not a number.",
    ),
    (
        401,
        "Unauthorized",
        "No API key and no session, or the key is not valid or revoked.",
    ),
    (
        403,
        "Forbidden",
        "The API key lacks a scope this operation needs (the problem names it).",
    ),
    (
        404,
        "NotFound",
        "No such resource in the caller's workspace.",
    ),
    (
        409,
        "Conflict",
        "The resource's state does not allow this call now (the message says why).",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body was not sent as `Content-Type: application/json`.",
    ),
    (
        422,
        "UnprocessableContent",
        "A field or query parameter broke a rule; `field` and `errors` name each.",
    ),
    (
        429,
        "TooManyRequests",
        "The API key is over its rate limit, or the workspace over a quota; retry after `Retry-After` seconds.",
    ),
    (
        503,
        "ServiceUnavailable",
        "API keys cannot be checked right now; try again shortly.",
    ),
];

fn problem_name(status: u16) -> &'static str {
    PROBLEMS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, name, _)| *name)
        .unwrap_or_else(|| panic!("no problem response for {status}"))
}

fn problem_responses() -> Value {
    let mut responses = Map::new();
    for (status, name, description) in PROBLEMS {
        let mut response = json!({
            "description": description,
            "content": {
                "application/problem+json": {
                    "schema": { "$ref": "#/components/schemas/Problem" }
                }
            }
        });
        if *status == 429 {
            response["headers"] = json!({
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "required": true,
                    "schema": { "type": "integer", "minimum": 1 }
                }
            });
        }
        responses.insert((*name).into(), response);
    }
    Value::Object(responses)
}

/// What a `{name}` of a path stands for.
fn path_param_description(path: &str, name: &str) -> String {
    if name == "arm_id" {
        return "Id of an arm of the experiment (`arms[].arm_id`).".into();
    }
    let resource = path
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap_or("resource");
    format!("Id of the {}.", resource.trim_end_matches('s'))
}

fn path_param_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn operation_json(op: &Operation) -> Value {
    let sig = &op.signature;
    let tag = op
        .path
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap_or("api");
    let mut parameters = Vec::new();
    let names = path_param_names(op.path);
    assert_eq!(
        names.len(),
        sig.path_params.len(),
        "{} {}: the path's parameters and the handler's `Path` differ",
        op.method,
        op.path
    );
    for (name, schema) in names.iter().zip(&sig.path_params) {
        parameters.push(json!({
            "name": name,
            "in": "path",
            "required": true,
            "description": path_param_description(op.path, name),
            "schema": schema,
        }));
    }
    if let Some(query) = &sig.query {
        let required: Vec<&str> = query
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = query.get("properties").and_then(Value::as_object);
        for (name, schema) in properties.into_iter().flatten() {
            let mut schema = schema.clone();
            let description = schema
                .as_object_mut()
                .and_then(|s| s.remove("description"))
                .unwrap_or(Value::Null);
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": schema,
            });
            if !description.is_null() {
                parameter["description"] = description;
            }
            parameters.push(parameter);
        }
    }

    let status = sig.status.unwrap_or_else(|| {
        panic!(
            "{} {}: the handler chooses its status; state it with `.status(…)`",
            op.method, op.path
        )
    });
    let mut responses = Map::new();
    let answer = sig.answer.as_ref().expect("every handler answers JSON");
    responses.insert(
        status.to_string(),
        json!({
            "description": if status == 201 { "Created." } else { "OK." },
            "content": { "application/json": { "schema": answer } }
        }),
    );
    let mut refusals = Vec::new();
    if !sig.path_params.is_empty() {
        refusals.extend([400, 404]);
    }
    if sig.query.is_some() {
        refusals.push(422);
    }
    if sig.body.is_some() {
        refusals.extend([400, 415, 422]);
    }
    if sig.caller {
        refusals.extend([401, 403, 429, 503]);
    }
    if op.conflict {
        refusals.push(409);
    }
    refusals.sort_unstable();
    refusals.dedup();
    for status in refusals {
        responses.insert(status.to_string(), response_ref(problem_name(status)));
    }

    let mut operation = json!({
        "operationId": op.id,
        "tags": [tag],
        "summary": op.summary,
        "responses": responses,
    });
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = &sig.body {
        operation["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": body } }
        });
    }
    if sig.caller {
        let names: Vec<&str> = op.scopes.iter().map(|s| s.as_str()).collect();
        operation["security"] = json!([{ "bearer": names }, { "session": [] }]);
        operation["description"] = json!(format!(
            "An API key needs the scope{} {}; a signed-in person's session may call it too.",
            if op.scopes.len() > 1 { "s" } else { "" },
            scope_list(op.scopes)
        ));
        operation["x-required-scopes"] = json!(names);
    } else {
        operation["security"] = json!([]);
    }
    operation
}

/// The whole document.
pub fn document() -> Value {
    let mut generators = Generators::new();
    let operations = operations(&mut generators);
    generators.output.subschema_for::<ApiError>();

    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for op in &operations {
        let methods = paths.entry(op.path).or_default();
        let previous = methods.insert(op.method.into(), operation_json(op));
        assert!(previous.is_none(), "{} {} listed twice", op.method, op.path);
    }
    paths.entry(PATH).or_default().insert(
        GET.into(),
        json!({
            "operationId": "openapi_serve",
            "tags": ["meta"],
            "summary": "This OpenAPI 3.1 document.",
            "security": [],
            "responses": {
                "200": {
                    "description": "OK.",
                    "content": { "application/json": { "schema": { "type": "object" } } }
                }
            }
        }),
    );

    let mut schemas = generators.take_definitions();
    // `status` is added by `ApiError::into_response`, `request_id` by the
    // router's `add_request_id` layer: every problem of the API has both.
    if let Some(problem) = schemas.get_mut("Problem") {
        problem["properties"]["status"] = json!({
            "description": "The HTTP status, repeated.",
            "type": "integer",
        });
        problem["properties"]["request_id"] = json!({
            "description": "The request's id, as in the `x-request-id` header and the server's log.",
            "type": "string",
        });
        if let Some(required) = problem["required"].as_array_mut() {
            required.extend([json!("status"), json!("request_id")]);
        }
    }

    let scopes: Vec<String> = Scope::ALL
        .iter()
        .map(|s| format!("`{s}`: {}", s.explain()))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Titan REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Campaigns, creatives, predictions, jobs, daily results and experiments of one workspace. Every refusal is an RFC 9457 problem (`application/problem+json`) with the request id.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": problem_responses(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": format!("{}<12 hex>_<64 hex>", titan::api_keys::KEY_PREFIX),
                    "description": format!(
                        "An API key of the workspace, created by an admin, as `Authorization: Bearer {}<12 hex>_<64 hex>`. Its scopes: {}. Each operation lists the scopes it needs.",
                        titan::api_keys::KEY_PREFIX,
                        scopes.join("; ")
                    ),
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": crate::http::SESSION_COOKIE,
                    "description": "The browser session of a signed-in person, who may call every operation.",
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `(method, path)` of every `.route(…)` in the source of `router()`.
    fn routes_in_router_source() -> BTreeSet<(String, String)> {
        let source = include_str!("mod.rs");
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
