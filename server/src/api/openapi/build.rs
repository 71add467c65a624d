//! The JSON of the document: operations, problem responses and components.

use super::operations::GET;
use super::*;

/// A reference to a response of `#/components/responses`.
pub(crate) fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The problem responses, by status, with what they mean.
pub(crate) const PROBLEMS: &[(u16, &str, &str)] = &[
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

pub(crate) fn problem_name(status: u16) -> &'static str {
    PROBLEMS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, name, _)| *name)
        .unwrap_or_else(|| panic!("no problem response for {status}"))
}

pub(crate) fn problem_responses() -> Value {
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
pub(crate) fn path_param_description(path: &str, name: &str) -> String {
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

pub(crate) fn path_param_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

pub(crate) fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

pub(crate) fn operation_json(op: &Operation) -> Value {
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
