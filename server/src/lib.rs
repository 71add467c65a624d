//! titan-server: configuration, storage start-up, the HTTP application and the
//! operator commands. `main.rs` only parses the command line and calls in here, so
//! the integration tests start exactly what production starts.
#![recursion_limit = "256"]

pub mod api;
pub mod background;
pub mod cli;
pub mod config;
pub mod demo_credentials;
pub mod http;
pub mod integrations;
pub mod session_store;
pub mod shared_limits;
pub mod telemetry;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::serve::ListenerExt;
use config::Config;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use titan::db::Db;
use titan::jobs::JobQueue;
use titan::jobs::service::Jobs;
use titan::media::MediaStore;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database named by DATABASE_URL: {0}")]
    Database(titan::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(titan::Error),
    #[error("cannot seed the demo workspace: {0}")]
    Seed(titan::Error),
    #[error("cannot create TITAN_MEDIA_DIR {dir}: {source}")]
    Media { dir: String, source: std::io::Error },
    #[error("cannot use the media store: {0}")]
    MediaStore(String),
    #[error("cannot use REDIS_URL: {0}")]
    Redis(String),
    #[error("cannot set up integrations: {0}")]
    Integrations(String),
    #[error("cannot listen on TITAN_ADDR {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Opens the pool and applies migrations.
pub async fn open_database(config: &Config) -> Result<Db, StartError> {
    let db = Db::connect(&config.db_options())
        .await
        .map_err(StartError::Database)?;
    db.migrate().await.map_err(StartError::Migrate)?;
    tracing::info!(backend = db.backend(), "database ready");
    Ok(db)
}

/// Where demo credentials are kept for the embedded set-up: beside the SQLite file.
fn demo_credentials_path(config: &Config) -> Option<PathBuf> {
    let path = config
        .database_url
        .strip_prefix("sqlite:")?
        .trim_start_matches("//");
    let dir = std::path::Path::new(path).parent()?;
    Some(dir.join("demo-credentials.txt"))
}

/// Queueing and acting on jobs, on `db` with the configured queue and media.
pub(crate) fn jobs_service(db: &Db, config: &Config) -> Result<Jobs, StartError> {
    Ok(Jobs {
        db: db.clone(),
        queue: JobQueue::new(db, config.queue_timing()),
        media: media_store(config)?,
        max_attempts: config.job_max_attempts,
        quotas: config.quotas(),
    })
}

/// The Redis of `REDIS_URL`, when set (nothing is connected yet).
pub(crate) fn redis_link(config: &Config) -> Result<Option<titan::redis_link::Redis>, StartError> {
    let Some(url) = config.redis_url.as_deref().filter(|url| !url.is_empty()) else {
        return Ok(None);
    };
    let redis = titan::redis_link::Redis::new(url).map_err(StartError::Redis)?;
    tracing::info!(
        redis = redis.shown(),
        "Redis: shared rate limits and change announcements"
    );
    Ok(Some(redis))
}

/// The media directory, and the bucket of `TITAN_MEDIA_STORE` when one is set.
fn media_store(config: &Config) -> Result<MediaStore, StartError> {
    let media = MediaStore::new(&config.media_dir);
    let media = match config.media_store.as_deref().filter(|url| !url.is_empty()) {
        Some(url) => {
            media.with_remote(titan::media::Remote::from_url(url).map_err(StartError::MediaStore)?)
        }
        None => media,
    };
    tracing::info!(media = %media.shown(), "media storage");
    Ok(media)
}

/// Seeds the demo workspace on an empty database and tells the operator how to sign in.
pub async fn seed_demo(db: &Db, config: &Config) -> Result<(), StartError> {
    let file = demo_credentials_path(config);
    match titan::demo::seed_if_empty(db)
        .await
        .map_err(StartError::Seed)?
    {
        Some(creds) => {
            let text = format!(
                "Demo workspace created. Sign in at http://{addr}/login with\n  \
                 admin:    {} / {}\n  marketer: {} / {}\n",
                creds.admin_email,
                creds.admin_password,
                creds.marketer_email,
                creds.marketer_password,
                addr = config.addr,
            );
            // Printed once, when created; later starts only say where the file is.
            println!("\n{text}");
            if let Some(file) = file {
                match demo_credentials::write_private(&file, &text) {
                    Ok(()) => tracing::info!(file = %file.display(), "demo credentials saved"),
                    Err(e) => {
                        tracing::error!(error = %e, file = %file.display(), "demo credentials not saved")
                    }
                }
            }
        }
        None => {
            if let Some(file) = file.filter(|f| f.exists()) {
                if let Err(e) = demo_credentials::make_private(&file) {
                    tracing::error!(error = %e, file = %file.display(), "demo credentials file left readable by others");
                }
                println!("\n{}\n", demo_credentials::later_start_notice(&file));
            }
        }
    }
    // The creatives come after the sign-in details are saved; a later start adds
    // whatever a first one stopped before adding.
    if let Some(missing) = titan::demo_creatives::missing(db)
        .await
        .map_err(StartError::Seed)?
    {
        titan::demo_creatives::complete(db, &jobs_service(db, config)?, missing)
            .await
            .map_err(StartError::Seed)?;
    }
    Ok(())
}

/// Leptos settings from Titan's configuration.
pub fn leptos_options(config: &Config) -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name("titan")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(http::assets::hashed_names())
        .build()
}

/// Prediction log rows waiting to be written at most (see
/// `titan::ml::prediction_log`).
const PREDICTION_LOG_QUEUE: usize = titan::ml::prediction_log::QUEUE_ROWS;

/// A server accepting connections in the background.
pub struct Running {
    pub addr: SocketAddr,
    pub db: Db,
    pub jobs: Jobs,
    /// The sign-in limits and the count of password checks this server ran.
    pub sign_in: titan::accounts::SignIn,
    /// Champion models in memory and the prediction log's queue.
    pub ctr: titan::ml::predict::CtrServing,
    background: background::Background,
    /// Writes the prediction log; closed after the last request is answered.
    prediction_writer: Option<titan::ml::prediction_log::LogWriter>,
    /// Stops listening for other processes' changes.
    changes: tokio_util::sync::CancellationToken,
    /// Where the last changes are published on the way out.
    redis: Option<titan::redis_link::Redis>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, finishes in-flight requests and closes the pool.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take()
            && tx.send(()).is_err()
        {
            tracing::warn!("server task already stopped");
        }
        match (&mut self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "server stopped with an error"),
            Err(e) => tracing::error!(error = %e, "server task failed"),
        }
        self.finish().await;
    }

    /// After the last request: stops schedules and the worker, writes the
    /// queued prediction log rows, closes the pool.
    async fn finish(&mut self) {
        self.background.stop().await;
        // The in-process worker's last job changes reach the other processes.
        if let Some(redis) = &self.redis {
            titan::change_fanout::flush(redis).await;
        }
        self.changes.cancel();
        if let Some(writer) = self.prediction_writer.take() {
            writer.close().await;
        }
        self.db.close().await;
    }

    /// Waits until the server stops (on a shutdown signal).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let result = match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        };
        self.finish().await;
        result
    }
}

/// What every process does first: binds `config.addr` (port 0 picks a free
/// one), sets the ffmpeg memory limit and makes the media directories. The
/// configuration returned carries the bound address.
pub(crate) async fn prepare_process(config: &Config) -> Result<(TcpListener, Config), StartError> {
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let mut config = config.clone();
    config.addr = addr;
    titan::render::process::set_memory_limit_mb(config.ffmpeg_memory_mb);
    MediaStore::new(&config.media_dir)
        .ensure()
        .map_err(|source| StartError::Media {
            dir: config.media_dir.clone(),
            source,
        })?;
    Ok((listener, config))
}

/// Binds `config.addr` (port 0 picks a free one) and serves the application on `db`
/// until `stop`, or until `shutdown_on_signal` sees Ctrl-C / SIGTERM.
pub async fn start(
    db: Db,
    config: &Config,
    shutdown_on_signal: bool,
) -> Result<Running, StartError> {
    let (listener, config) = prepare_process(config).await?;
    let addr = config.addr;
    let jobs = jobs_service(&db, &config)?;
    let integrations =
        integrations::integrations(&db, &config).map_err(StartError::Integrations)?;
    let background = background::Background::start(&db, &config, &jobs, &integrations).await?;
    if config.tls {
        tracing::warn!("TITAN_TLS is deprecated: set TITAN_PUBLIC_URL=https://your.host instead");
    }
    let redis = redis_link(&config)?;
    let sign_in = titan::accounts::SignIn {
        limits: config.login_limits(),
        checks: titan::accounts::PasswordChecks::default(),
    };
    // Before anything registers a metric (the prediction log's zero counters).
    http::metrics::install();
    let (prediction_log, prediction_writer) =
        titan::ml::prediction_log::PredictionLog::start(db.clone(), PREDICTION_LOG_QUEUE);
    let ctr = titan::ml::predict::CtrServing {
        champions: titan::ml::champion_cache::ChampionCache::new(Duration::from_millis(
            config.model_cache_ms,
        )),
        log: prediction_log,
    };
    let app = http::router(
        db.clone(),
        &config,
        leptos_options(&config),
        http::Services {
            jobs: jobs.clone(),
            sign_in: sign_in.clone(),
            integrations: integrations.clone(),
            ctr: ctr.clone(),
            redis: redis.clone(),
        },
    );
    session_store::DbSessionStore::new(db.clone(), time::Duration::days(config.session_max_days))
        .spawn_cleanup(Duration::from_secs(3600));
    let changes = tokio_util::sync::CancellationToken::new();
    titan::db::changes::listen(&db, changes.clone());
    if let Some(redis) = &redis {
        titan::change_fanout::start(redis.clone(), changes.clone());
    }
    let (tx, task) = serve_in_background(listener, app, shutdown_on_signal);
    tracing::info!(%addr, "listening");
    Ok(Running {
        addr,
        db,
        jobs,
        sign_in,
        ctr,
        background,
        prediction_writer: Some(prediction_writer),
        changes,
        redis,
        shutdown: Some(tx),
        task,
    })
}

/// Serves `app` on `listener` in a task until the returned sender fires (or is
/// dropped) or, with `on_signal`, Ctrl-C or SIGTERM arrives; in-flight requests
/// finish first.
pub(crate) fn serve_in_background(
    listener: TcpListener,
    app: axum::Router,
    on_signal: bool,
) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async move {
            if on_signal {
                tokio::select! {
                    _ = rx => {}
                    _ = shutdown_signal() => {}
                }
            } else if rx.await.is_err() {
                tracing::warn!("shutdown handle dropped; stopping");
            }
        };
        // Without TCP_NODELAY a streamed page's second write waits for the
        // browser's delayed ACK (about 40 ms) on every kept-alive connection.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY on a connection");
            }
        });
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop)
        .await
    });
    (tx, task)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown signal received");
}
