//! The work a process does besides answering requests: the job worker and the
//! recurring schedules. `titan-server serve` runs them in-process unless
//! `TITAN_WORKER=false`; `titan-server worker` runs only them, with a port that
//! answers health, readiness and metrics and nothing else.

use crate::config::Config;
use crate::{StartError, jobs_service};
use std::net::SocketAddr;
use std::time::Duration;
use titan::db::Db;
use titan::integrations::Integrations;
use titan::jobs::service::Jobs;
use titan::jobs::{JobEnv, WorkerHandle};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running job worker and schedules.
pub struct Background {
    worker: Option<WorkerHandle>,
    schedules: CancellationToken,
}

impl Background {
    /// Starts the worker (and the schedules, when `config.schedules`) if
    /// `config.worker`; otherwise nothing runs.
    pub async fn start(
        db: &Db,
        config: &Config,
        jobs: &Jobs,
        integrations: &Integrations,
    ) -> Result<Self, StartError> {
        let schedules = CancellationToken::new();
        if !config.worker {
            return Ok(Self {
                worker: None,
                schedules,
            });
        }
        let queue = jobs.queue.clone();
        let env = JobEnv {
            db: db.clone(),
            media: jobs.media.clone(),
            job_timeout: Duration::from_secs(config.job_timeout_secs),
            integrations: integrations.clone(),
            backoff_min: Duration::from_millis(config.job_backoff_ms),
            backoff_max: Duration::from_secs(60).max(Duration::from_millis(config.job_backoff_ms)),
        };
        let worker = titan::jobs::worker::spawn(queue, env, config.worker_settings());
        if config.schedules {
            let settings = titan::learning::scheduler::ScheduleSettings {
                retrain_min_new: config.retrain_min_new,
                webhook_days: config.webhook_retention_days,
                tick: Duration::from_millis(config.schedule_tick_ms),
                ..Default::default()
            };
            let scheduler = titan::learning::scheduler::Scheduler::new(jobs.clone(), settings);
            tokio::spawn(scheduler.run(schedules.clone()));
        }
        Ok(Self {
            worker: Some(worker),
            schedules,
        })
    }

    /// Stops the schedules' ticking and the worker (jobs in flight are left to
    /// be taken up again, as after a crash).
    pub async fn stop(&mut self) {
        self.schedules.cancel();
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
    }
}

/// A `titan-server worker` process: jobs and schedules, and a port for health.
pub struct WorkerProcess {
    /// The health port's address.
    pub addr: SocketAddr,
    pub db: Db,
    background: Background,
    /// Stops announcing this process's job changes over Redis.
    changes: tokio_util::sync::CancellationToken,
    /// Where the last changes are published on the way out.
    redis: Option<titan::redis_link::Redis>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts the worker and schedules of `config` (whatever `TITAN_WORKER` says)
/// and answers `/healthz`, `/readyz` and `/metrics` on `config.addr`.
pub async fn start_worker(
    db: Db,
    config: &Config,
    shutdown_on_signal: bool,
) -> Result<WorkerProcess, StartError> {
    let (listener, mut config) = crate::prepare_process(config).await?;
    let addr = config.addr;
    config.worker = true;
    let jobs = jobs_service(&db, &config)?;
    let integrations =
        crate::integrations::integrations(&db, &config).map_err(StartError::Integrations)?;
    let redis = crate::redis_link(&config)?;
    let changes = tokio_util::sync::CancellationToken::new();
    if let Some(redis) = &redis {
        // Progress and outcomes reach the web replicas' live streams at once.
        titan::change_fanout::start(redis.clone(), changes.clone());
    }
    let background = Background::start(&db, &config, &jobs, &integrations).await?;
    let app = crate::http::worker_router(&db, &config, &integrations, &jobs.media, redis.clone());
    let (tx, task) = crate::serve_in_background(listener, app, shutdown_on_signal);
    tracing::info!(%addr, "worker running; health on this address");
    Ok(WorkerProcess {
        addr,
        db,
        background,
        changes,
        redis,
        shutdown: Some(tx),
        task,
    })
}

impl WorkerProcess {
    /// Stops the health port, the worker and the schedules; closes the pool.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take()
            && tx.send(()).is_err()
        {
            tracing::warn!("health server already stopped");
        }
        if let Err(e) = self.finish().await {
            tracing::error!(error = %e, "health server stopped with an error");
        }
    }

    /// Runs until a shutdown signal.
    pub async fn wait(mut self) -> std::io::Result<()> {
        self.finish().await
    }

    async fn finish(&mut self) -> std::io::Result<()> {
        let result = match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        };
        self.background.stop().await;
        // The last job changes reach the web replicas' streams.
        if let Some(redis) = &self.redis {
            titan::change_fanout::flush(redis).await;
        }
        self.changes.cancel();
        self.db.close().await;
        result
    }
}
