//! The axum application: Leptos pages and server functions, health endpoints, and
//! the middleware stack every request passes through.

pub mod analytics_export;
pub mod assets;
pub mod auth;
pub mod client_ip;
pub mod errors;
pub mod events;
pub mod health;
pub mod media;
pub mod metrics;
pub mod multipart;
pub mod results;
pub mod security;
pub mod stored_media;
pub mod tracking;
pub mod training;
pub mod uploads;
pub mod webhooks;

use crate::config::Config;
use crate::session_store::DbSessionStore;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use std::time::Duration;
use titan::accounts::SignIn;
use titan::db::Db;
use titan::jobs::service::Jobs;
use titan_app::state::AppState;
use titan_app::{App, shell};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "titan_session";

/// ffmpeg runs making clips' stills at once (each takes a fraction of a second;
/// a page of fifty new clips waits its turn rather than starting fifty).
const STILLS_AT_ONCE: usize = 2;

/// How often a live event stream checks that its session still counts.
const EVENTS_SESSION_CHECK: Duration = Duration::from_secs(3);

/// Builds the whole application around `db`; `sign_in` counts the password checks
/// of this server.
/// The services the routes share, made once per process by `start`.
pub struct Services {
    pub jobs: Jobs,
    pub sign_in: SignIn,
    pub integrations: titan::integrations::Integrations,
    pub ctr: titan::ml::predict::CtrServing,
    /// Shared rate limits, when `REDIS_URL` is set.
    pub redis: Option<titan::redis_link::Redis>,
}

pub fn router(
    db: Db,
    config: &Config,
    leptos_options: leptos::config::LeptosOptions,
    services: Services,
) -> Router {
    let Services {
        jobs,
        sign_in,
        integrations,
        ctr,
        redis,
    } = services;
    metrics::install();
    let session_cache = Duration::from_millis(config.session_cache_ms);
    let session_store =
        DbSessionStore::new(db.clone(), time::Duration::days(config.session_max_days))
            .with_cache(session_cache);
    let experiments = titan::experiments::Experiments::new(db.clone());
    let api_keys = titan::api_keys::ApiKeys::new(db.clone());
    let app_state = Arc::new(AppState {
        db: db.clone(),
        sign_in,
        jobs: jobs.clone(),
        experiments: experiments.clone(),
        api_keys: api_keys.clone(),
        integrations: integrations.clone(),
        ctr: ctr.clone(),
    });
    let static_files = assets::router(&leptos_options.site_root, leptos_options.hash_files);
    let routes = generate_route_list(App);
    let pages = Router::new()
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_context(app_state.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options);

    let exports = Router::new()
        .route("/analytics/export.csv", get(analytics_export::export))
        .with_state(analytics_export::ExportState::new(
            db.clone(),
            redis.clone(),
        ));

    let health = health_routes(&db, redis.clone(), jobs.media.remote().cloned());

    let body_limit = usize::try_from(config.body_limit_bytes).unwrap_or(usize::MAX);
    let rest = crate::api::router(Arc::new(crate::api::ApiParts {
        db: db.clone(),
        keys: api_keys,
        experiments,
        jobs: jobs.clone(),
        limiter: crate::api::key_limiter(
            config.api_key_rate_per_sec,
            config.api_key_burst,
            redis.clone(),
        ),
        ctr: ctr.clone(),
    }))
    .layer(RequestBodyLimitLayer::new(body_limit));
    let upload_limit = usize::try_from(config.upload_limit_bytes).unwrap_or(usize::MAX);
    // Uploads stream to disk under their own, larger limit; everything else gets
    // the small one.
    let uploads = Router::new()
        .route("/api/v1/assets", post(uploads::upload))
        .route(
            "/api/v1/training-data",
            post(training::upload_training_data),
        )
        .route("/api/v1/creative-results", post(results::upload_results))
        .with_state(uploads::UploadState {
            jobs: jobs.clone(),
            limit_bytes: config.upload_limit_bytes,
            media_limits: config.media_limits(),
            probes: Arc::new(tokio::sync::Semaphore::new(
                usize::try_from(config.upload_probes).unwrap_or(2),
            )),
        })
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(
            upload_limit.saturating_add(64 * 1024),
        ));
    let event_routes = Router::new()
        .route("/api/v1/jobs/events", get(events::job_events))
        .with_state(events::EventsState {
            jobs: jobs.clone(),
            sessions: session_store.clone(),
            session_check: EVENTS_SESSION_CHECK,
        });
    let jobs_for_webhooks = jobs.clone();
    let job_routes = Router::new()
        .route("/media/jobs/{id}/{file}", get(media::job_file))
        .with_state(jobs.clone())
        .route(
            "/media/assets/{id}/thumbnail.jpg",
            get(media::asset_still).with_state(media::StillState {
                jobs: jobs.clone(),
                makers: Arc::new(tokio::sync::Semaphore::new(STILLS_AT_ONCE)),
            }),
        )
        .merge(event_routes)
        .layer(RequestBodyLimitLayer::new(body_limit));
    let pages = pages.layer(RequestBodyLimitLayer::new(body_limit));
    let learning = Router::new()
        .route("/t/snippet.js", get(tracking::snippet))
        .route(
            "/t/visit",
            post(tracking::visit).options(tracking::preflight),
        )
        .route("/t/lead", post(tracking::lead).options(tracking::preflight))
        .route("/t/{token}", get(tracking::click))
        .with_state(tracking::TrackingState {
            db: db.clone(),
            integrations: integrations.clone(),
            limiter: tracking::click_limiter(config.click_rate_per_ip, redis.clone()),
        })
        .merge(
            Router::new()
                .route("/webhooks/hubspot", post(webhooks::hubspot))
                .route("/webhooks/conversions", post(webhooks::conversions))
                .with_state(webhooks::WebhookState {
                    db: db.clone(),
                    integrations: integrations.clone(),
                    jobs: jobs_for_webhooks,
                    public_origin: config.public_url.as_ref().map(|u| u.origin.clone()),
                }),
        )
        .merge(metrics_routes(&db, config, &integrations))
        .layer(RequestBodyLimitLayer::new(body_limit.min(1024 * 1024)));

    let sessions = SessionManagerLayer::new(session_store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            config.session_days,
        )));

    let allowed = security::AllowedOrigins(Arc::new(config.extra_origins()));
    let hosts = security::AllowedHosts(config.allowed_hosts().map(Arc::new));

    // Layers run outside-in from the last one added.
    health
        .merge(rest)
        .merge(uploads)
        .merge(job_routes)
        .merge(learning)
        .merge(exports)
        .merge(pages)
        .layer(from_fn(metrics::track))
        .layer(from_fn(titan_app::guard::provide_request_flash))
        .layer(from_fn(errors::server_fn_status))
        .layer(from_fn_with_state(
            auth::ResolveState::new(db, session_cache),
            auth::resolve_user,
        ))
        .layer(sessions)
        .layer(from_fn_with_state(allowed, security::refuse_cross_origin))
        // Static files need no session: merged outside its layers.
        .merge(static_files)
        .layer(from_fn_with_state(
            client_ip::TrustedProxies(Arc::new(config.trusted_proxies.clone())),
            client_ip::resolve,
        ))
        .layer(from_fn_with_state(hosts, security::refuse_unknown_hosts))
        .layer(from_fn(errors::catch_panics))
        .layer(from_fn(errors::explain_server_errors))
        // Outside the error middleware, which reads the bodies it rewrites.
        .layer(compression())
        .layer(from_fn_with_state(
            config.https(),
            security::security_headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .on_failure(DefaultOnFailure::new().level(Level::ERROR))
                .make_span_with(|request: &Request<_>| {
                    let text = |name| {
                        request
                            .headers()
                            .get(name)
                            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                            .unwrap_or("-")
                    };
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = request.uri().path(),
                        request_id = text(errors::REQUEST_ID),
                        client_request_id = text(errors::CLIENT_REQUEST_ID),
                    )
                }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outermost: the id above is always the server's own.
        .layer(from_fn(errors::distrust_client_request_id))
}

/// `/healthz` and `/readyz`.
fn health_routes(
    db: &Db,
    redis: Option<titan::redis_link::Redis>,
    media: Option<titan::media::Remote>,
) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(health::HealthState {
            db: db.clone(),
            redis,
            media,
        })
}

/// `/metrics`, for the configured addresses or the bearer token.
fn metrics_routes(
    db: &Db,
    config: &Config,
    integrations: &titan::integrations::Integrations,
) -> Router {
    Router::new()
        .route("/metrics", get(metrics::metrics))
        .with_state(metrics::MetricsState {
            db: db.clone(),
            allow: Arc::new(
                config
                    .metrics_allow
                    .iter()
                    .map(|ip| ip.to_canonical())
                    .collect(),
            ),
            token: config.metrics_token.as_deref().map(Arc::from),
            integrations: integrations.clone(),
        })
}

/// What a worker process (`titan-server worker`) answers on its port: health,
/// readiness and metrics, nothing of the web application.
pub fn worker_router(
    db: &Db,
    config: &Config,
    integrations: &titan::integrations::Integrations,
    media: &titan::media::MediaStore,
    redis: Option<titan::redis_link::Redis>,
) -> Router {
    metrics::install();
    health_routes(db, redis, media.remote().cloned())
        .merge(metrics_routes(db, config, integrations))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(from_fn_with_state(
            client_ip::TrustedProxies(Arc::new(config.trusted_proxies.clone())),
            client_ip::resolve,
        ))
        .layer(TraceLayer::new_for_http())
}

/// Text answers (pages, server functions, JSON, CSV, CSS and scripts without a
/// precompressed copy) gzipped for clients that accept it, at a level cheap
/// enough per request. Not brotli: setting up its encoder for every answer cut
/// `/login` from 22,000 to 5,300 pages/s in `make bench-pages`, for a few
/// hundred bytes saved; the large static files get brotli from their
/// precompressed `.br` copies instead. Video, images other than SVG, event
/// streams and Range answers are sent as they are.
fn compression() -> tower_http::compression::CompressionLayer<
    tower_http::compression::predicate::And<
        tower_http::compression::predicate::SizeAbove,
        TextCheck,
    >,
> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    let text: TextCheck = compressible;
    tower_http::compression::CompressionLayer::new()
        .no_br()
        .quality(tower_http::CompressionLevel::Precise(4))
        .compress_when(SizeAbove::new(256).and(text))
}

/// Whether an answer's content type is worth compressing.
type TextCheck = fn(http::StatusCode, http::Version, &http::HeaderMap, &http::Extensions) -> bool;

/// Content types worth compressing.
fn compressible(
    _: http::StatusCode,
    _: http::Version,
    headers: &http::HeaderMap,
    _: &http::Extensions,
) -> bool {
    const TEXT: [&str; 9] = [
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    ];
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| TEXT.iter().any(|t| ct.starts_with(t)))
}
