//! Configuration from environment variables (or the same-named flags), with sane
//! defaults for the embedded set-up. A bad value stops start-up with a message that
//! names the variable, because clap reports `[env: NAME]` with the error.

use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TITAN_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// `sqlite:PATH` (default, created if missing) or `postgres://user:pass@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:data/titan.db")]
    pub database_url: String,

    /// Requests per second one API key may make (sustained); past it, 429 with
    /// `Retry-After`.
    #[arg(long, env = "TITAN_API_KEY_RATE_PER_SEC", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub api_key_rate_per_sec: u32,

    /// Requests one API key may make at once above its rate (the bucket size).
    #[arg(long, env = "TITAN_API_KEY_BURST", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub api_key_burst: u32,

    /// Largest number of pooled database connections.
    #[arg(long, env = "TITAN_DB_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,

    /// Where cargo-leptos wrote the site (pkg/ with wasm, js, css; public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// The address people open, e.g. `https://titan.example.com`. Only this host
    /// (and `TITAN_ALLOWED_ORIGINS`) is served and may send state-changing
    /// requests; `https` marks the session cookie `Secure` and sends
    /// `Strict-Transport-Security`. Unset: any Host, same-origin by the Host header.
    #[arg(long, env = "TITAN_PUBLIC_URL", value_parser = PublicUrl::parse)]
    pub public_url: Option<PublicUrl>,

    /// Deprecated: set `TITAN_PUBLIC_URL=https://…` instead. `true` still marks the
    /// cookie `Secure` and sends HSTS.
    #[arg(long, env = "TITAN_TLS", default_value_t = false, action = clap::ArgAction::Set)]
    pub tls: bool,

    /// Extra origins (comma-separated, e.g. `https://titan.example.com`) allowed to
    /// send state-changing requests, besides the origin of the Host header.
    #[arg(
        long,
        env = "TITAN_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub allowed_origins: Vec<String>,

    /// Reverse proxies (comma-separated IP addresses, e.g. `127.0.0.1`) whose
    /// `X-Forwarded-For` names the client, for per-IP sign-in limits and logs.
    /// Empty: the socket peer is the client and the header is ignored.
    #[arg(long, env = "TITAN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "TITAN_BODY_LIMIT_BYTES", default_value_t = 2 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..))]
    pub body_limit_bytes: u64,

    /// Days of inactivity after which a session ends.
    #[arg(long, env = "TITAN_SESSION_DAYS", default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=365))]
    pub session_days: i64,

    /// Days after signing in at which a session ends however active it is.
    #[arg(long, env = "TITAN_SESSION_MAX_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub session_max_days: i64,

    /// Seed the demo workspace (admin, marketer, demo campaigns) when the database
    /// has no accounts yet.
    #[arg(long, env = "TITAN_SEED_DEMO", default_value_t = true, action = clap::ArgAction::Set)]
    pub seed_demo: bool,

    /// Failed sign-ins tolerated per account from one client (IPv4 address or
    /// IPv6 /64) within the window; then that client is refused for that account.
    #[arg(long, env = "TITAN_LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_max_failures_per_account: i64,

    /// Failed sign-ins tolerated per client (IPv4 address or IPv6 /64) within the
    /// window, whatever the account.
    #[arg(long, env = "TITAN_LOGIN_MAX_FAILURES_PER_IP", default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_max_failures_per_ip: i64,

    /// Failed sign-ins of one account from all clients within the window after
    /// which each further attempt at it is slowed down (never refused).
    #[arg(long, env = "TITAN_LOGIN_ACCOUNT_SLOWDOWN_AFTER", default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_account_slowdown_after: i64,

    /// Milliseconds between the slots of slowed-down attempts at one account.
    #[arg(long, env = "TITAN_LOGIN_ACCOUNT_SLOWDOWN_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub login_account_slowdown_ms: u64,

    /// Window, in seconds, over which failed sign-ins are counted.
    #[arg(long, env = "TITAN_LOGIN_WINDOW_SECS", default_value_t = 900, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_window_secs: i64,

    /// Directory for uploaded clips and render outputs.
    #[arg(long, env = "TITAN_MEDIA_DIR", default_value = "data/media")]
    pub media_dir: String,

    /// Where media is kept for every process: unset keeps it in TITAN_MEDIA_DIR
    /// (one machine); `s3://bucket/prefix` keeps it in an S3-protocol bucket, with
    /// the endpoint and credentials from the usual `AWS_*` variables, and
    /// TITAN_MEDIA_DIR as this process's working copy.
    #[arg(long, env = "TITAN_MEDIA_STORE")]
    pub media_store: Option<String>,

    /// Key that seals integration secrets at rest: 64 hex digits or base64 of 32
    /// bytes. Without it, a key file beside the media directory is made once
    /// (`secret.key`, mode 0600) so a first run works; set it in production.
    #[arg(long, env = "TITAN_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// HubSpot's API (tests point this at a fake server).
    #[arg(long, env = "TITAN_HUBSPOT_API_URL", default_value = titan::integrations::hubspot::DEFAULT_API)]
    pub hubspot_api_url: String,

    /// Seconds an outbound dependency's open circuit breaker fails calls fast
    /// before letting calls probe it again.
    #[arg(long, env = "TITAN_BREAKER_OPEN_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub breaker_open_secs: u64,

    /// Bearer token that opens `/metrics` from any address.
    #[arg(long, env = "TITAN_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Addresses that may read `/metrics` without the token (loopback by default).
    #[arg(
        long,
        env = "TITAN_METRICS_ALLOW",
        value_delimiter = ',',
        default_value = "127.0.0.1,::1"
    )]
    pub metrics_allow: Vec<std::net::IpAddr>,

    /// Clicks per second one IP may make on tracking links (burst twice that).
    #[arg(long, env = "TITAN_CLICK_RATE_PER_IP", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub click_rate_per_ip: u32,

    /// Largest accepted upload, in bytes.
    #[arg(long, env = "TITAN_UPLOAD_LIMIT_BYTES", default_value_t = 512 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..))]
    pub upload_limit_bytes: u64,

    /// Widest accepted clip, in pixels (as shown, after rotation).
    #[arg(long, env = "TITAN_MEDIA_MAX_WIDTH", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(16..=16384))]
    pub media_max_width: u32,

    /// Tallest accepted clip, in pixels (as shown, after rotation).
    #[arg(long, env = "TITAN_MEDIA_MAX_HEIGHT", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(16..=16384))]
    pub media_max_height: u32,

    /// Longest accepted clip, in seconds.
    #[arg(long, env = "TITAN_MEDIA_MAX_SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub media_max_seconds: u32,

    /// Highest accepted frame rate, frames per second.
    #[arg(long, env = "TITAN_MEDIA_MAX_FPS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub media_max_fps: u32,

    /// Address-space limit of each ffmpeg/ffprobe process, in MiB (0: none).
    #[arg(long, env = "TITAN_FFMPEG_MEMORY_MB", default_value_t = titan::render::process::DEFAULT_MEMORY_LIMIT_MB, value_parser = clap::value_parser!(u64).range(0..=1_048_576))]
    pub ffmpeg_memory_mb: u64,

    /// How long a session and its signed-in person are answered from memory, in
    /// milliseconds (0: read every request). Changes made by this process take
    /// effect at once; a session ended by another process lasts here at most this.
    #[arg(long, env = "TITAN_SESSION_CACHE_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub session_cache_ms: u64,

    /// Longest a champion model stays cached in memory, in milliseconds, when no
    /// change reaches this process (changes made here drop it at once).
    #[arg(long, env = "TITAN_MODEL_CACHE_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub model_cache_ms: u64,

    /// Uploads checked with ffprobe at once; further uploads wait their turn.
    #[arg(long, env = "TITAN_UPLOAD_PROBES", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub upload_probes: u64,

    /// Jobs one workspace may have queued or running at once.
    #[arg(long, env = "TITAN_QUOTA_ACTIVE_JOBS", default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub quota_active_jobs: i64,

    /// Bytes of uploaded clips one workspace may store.
    #[arg(long, env = "TITAN_QUOTA_MEDIA_BYTES", default_value_t = 20 * 1024 * 1024 * 1024, value_parser = clap::value_parser!(i64).range(1..))]
    pub quota_media_bytes: i64,

    /// Clips one workspace may upload per hour.
    #[arg(long, env = "TITAN_QUOTA_UPLOADS_PER_HOUR", default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=1_000_000))]
    pub quota_uploads_per_hour: i64,

    /// Run a job worker inside this process (the embedded default). Set `false` on
    /// web replicas when separate `titan-server worker` processes run the jobs.
    #[arg(long, env = "TITAN_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub worker: bool,

    /// Run the recurring jobs (fatigue scan, retraining, clean-up) from this
    /// process's worker. Safe on several processes: each slot runs once.
    #[arg(long, env = "TITAN_SCHEDULES", default_value_t = true, action = clap::ArgAction::Set)]
    pub schedules: bool,

    /// How often this process looks for due schedule slots, in milliseconds.
    #[arg(long, env = "TITAN_SCHEDULE_TICK_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(50..=3_600_000))]
    pub schedule_tick_ms: u64,

    /// Creatives with results that must arrive after the champion before the
    /// nightly retraining runs.
    #[arg(long, env = "TITAN_RETRAIN_MIN_NEW", default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
    pub retrain_min_new: i64,

    /// Days raw webhook bodies are kept (their outcome is kept for good).
    #[arg(long, env = "TITAN_WEBHOOK_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub webhook_retention_days: i64,

    /// Jobs one worker process runs at once.
    #[arg(long, env = "TITAN_WORKER_CONCURRENCY", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub worker_concurrency: u64,

    /// Attempts per job before it is marked dead (transient failures only).
    #[arg(long, env = "TITAN_JOB_MAX_ATTEMPTS", default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=20))]
    pub job_max_attempts: i32,

    /// Longest one job attempt may run, in seconds.
    #[arg(long, env = "TITAN_JOB_TIMEOUT_SECS", default_value_t = 1800, value_parser = clap::value_parser!(u64).range(1..))]
    pub job_timeout_secs: u64,

    /// First retry delay in milliseconds; doubles per attempt up to 60 s.
    #[arg(long, env = "TITAN_JOB_BACKOFF_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub job_backoff_ms: u64,

    /// Worker heartbeat in seconds; a worker silent for two heartbeats (killed) has
    /// its running jobs picked up by another.
    #[arg(long, env = "TITAN_QUEUE_HEARTBEAT_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub queue_heartbeat_secs: u64,

    /// How often an idle worker looks for new jobs; a job queued by its own process
    /// (on PostgreSQL, by any) wakes it at once.
    #[arg(long, env = "TITAN_QUEUE_POLL_MS", default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub queue_poll_ms: u64,

    /// Redis (`redis://host:6379/0`) for rate limits shared by every replica
    /// (API keys, tracking clicks, exports). Unset, or while it is down, each
    /// process limits on its own.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Log format: `text` for people, `json` for log shippers.
    #[arg(long, env = "TITAN_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

impl Config {
    pub fn login_limits(&self) -> titan::accounts::LoginLimits {
        titan::accounts::LoginLimits {
            window_secs: self.login_window_secs,
            max_failures_per_account: self.login_max_failures_per_account,
            max_failures_per_ip: self.login_max_failures_per_ip,
            account_slowdown_after: self.login_account_slowdown_after,
            account_slowdown: std::time::Duration::from_millis(self.login_account_slowdown_ms),
        }
    }

    pub fn media_limits(&self) -> titan::render::MediaLimits {
        titan::render::MediaLimits {
            max_width: self.media_max_width,
            max_height: self.media_max_height,
            max_duration_secs: f64::from(self.media_max_seconds),
            max_frame_rate: f64::from(self.media_max_fps),
        }
    }

    pub fn quotas(&self) -> titan::quotas::Quotas {
        titan::quotas::Quotas {
            active_jobs: self.quota_active_jobs,
            media_bytes: self.quota_media_bytes,
            uploads_per_hour: self.quota_uploads_per_hour,
        }
    }

    /// Served over HTTPS: `TITAN_PUBLIC_URL` is `https://…` (or the deprecated
    /// `TITAN_TLS` is set). Marks the cookie `Secure` and sends HSTS.
    pub fn https(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| u.https) || self.tls
    }

    /// The hosts this installation answers to, when `TITAN_PUBLIC_URL` names one:
    /// its host and those of `TITAN_ALLOWED_ORIGINS`.
    pub fn allowed_hosts(&self) -> Option<Vec<String>> {
        let public = self.public_url.as_ref()?;
        let mut hosts = vec![public.host.clone()];
        hosts.extend(
            self.extra_origins()
                .iter()
                .filter_map(|o| PublicUrl::parse(o).ok())
                .map(|u| u.host),
        );
        Some(hosts)
    }

    pub fn db_options(&self) -> titan::db::DbOptions {
        titan::db::DbOptions {
            url: self.database_url.clone(),
            max_connections: self.db_max_connections,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }

    pub fn queue_timing(&self) -> titan::jobs::QueueTiming {
        titan::jobs::QueueTiming {
            heartbeat: std::time::Duration::from_secs(self.queue_heartbeat_secs),
            missed_heartbeats: 2,
        }
    }

    pub fn worker_settings(&self) -> titan::jobs::WorkerSettings {
        titan::jobs::WorkerSettings {
            // Leases are held in the worker's name, so each process has its own.
            // Host, process and a random part: two containers that both run
            // as pid 1 and start in the same second still differ.
            name: format!(
                "{}-{}-{:08x}",
                std::fs::read_to_string("/etc/hostname")
                    .map(|h| h.trim().to_owned())
                    .ok()
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| "titan".to_owned()),
                std::process::id(),
                {
                    use std::hash::{BuildHasher, Hasher};
                    // std's hasher keys are random per process.
                    std::collections::hash_map::RandomState::new()
                        .build_hasher()
                        .finish() as u32
                }
            ),
            concurrency: self.worker_concurrency as usize,
            poll: std::time::Duration::from_millis(self.queue_poll_ms),
        }
    }

    /// Origins allowed besides the request's own, without empty entries; the
    /// public URL's origin first when one is set.
    pub fn extra_origins(&self) -> Vec<String> {
        self.public_url
            .iter()
            .map(|u| u.origin.clone())
            .chain(
                self.allowed_origins
                    .iter()
                    .map(|o| o.trim().trim_end_matches('/').to_owned()),
            )
            .filter(|o| !o.is_empty())
            .collect()
    }
}

/// `TITAN_PUBLIC_URL`: `http(s)://host[:port]`, optionally with a trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    pub https: bool,
    /// `scheme://host[:port]`, lower-cased: what browsers send as `Origin`.
    pub origin: String,
    /// `host[:port]`, lower-cased: what browsers send as `Host`.
    pub host: String,
}

impl PublicUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_lowercase();
        let (https, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err("must start with https:// or http://".into());
        };
        let host = rest.strip_suffix('/').unwrap_or(rest);
        let bad =
            |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if host.is_empty() || host.contains(bad) {
            return Err("must be scheme://host[:port] with no path, user or query".into());
        }
        Ok(Self {
            https,
            origin: format!("{}://{host}", if https { "https" } else { "http" }),
            host: host.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn public_urls_are_origins() {
        let url = PublicUrl::parse("https://Titan.Example.com/").unwrap();
        assert!(url.https);
        assert_eq!(url.origin, "https://titan.example.com");
        assert_eq!(url.host, "titan.example.com");
        let local = PublicUrl::parse("http://127.0.0.1:3000").unwrap();
        assert!(!local.https);
        assert_eq!(local.host, "127.0.0.1:3000");
        for bad in [
            "titan.example.com",
            "ftp://titan.example.com",
            "https://",
            "https://titan.example.com/app",
            "https://user@titan.example.com",
            "https://titan.example.com?x=1",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
