//! The one HTTP client every outbound call shares (keep-alive pool, connect and
//! total timeouts), and the call path every dependency goes through: breaker
//! first, then the request, retried with backoff only when it is idempotent.

use super::breaker::{Breaker, BreakerState};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How outbound calls behave.
#[derive(Clone, Debug)]
pub struct OutboundSettings {
    pub connect_timeout: Duration,
    /// From sending the request to the last byte of the answer.
    pub total_timeout: Duration,
    /// How long an open breaker fails calls fast.
    pub open_for: Duration,
    /// Extra attempts of an idempotent call after a transient failure.
    pub retries: u32,
    /// Wait before the first retry; each next one waits four times longer.
    pub retry_base: Duration,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            open_for: super::breaker::OPEN_FOR,
            retries: 2,
            retry_base: Duration::from_millis(200),
        }
    }
}

/// Why an outbound call failed; every message names the dependency.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OutboundError {
    #[error(
        "{dependency} is failing: its circuit breaker is open, so Titan is not calling it for now (it tries again after {retry_secs}s)"
    )]
    Open {
        dependency: &'static str,
        retry_secs: u64,
    },
    #[error("{dependency} did not answer within {secs}s")]
    Timeout { dependency: &'static str, secs: u64 },
    #[error("{dependency} could not be reached: {message}")]
    Transport {
        dependency: &'static str,
        message: String,
    },
    #[error("{dependency} answered {status}: {body}")]
    Status {
        dependency: &'static str,
        status: u16,
        body: String,
    },
    #[error("{dependency} sent an answer Titan cannot read: {message}")]
    Decode {
        dependency: &'static str,
        message: String,
    },
}

impl OutboundError {
    /// Worth trying again later (the dependency may recover); a refusal of the
    /// request itself (bad token, unknown object) is not.
    pub fn is_transient(&self) -> bool {
        match self {
            OutboundError::Open { .. }
            | OutboundError::Timeout { .. }
            | OutboundError::Transport { .. } => true,
            OutboundError::Status { status, .. } => *status == 429 || *status >= 500,
            OutboundError::Decode { .. } => false,
        }
    }
}

/// Longest part of an error body kept in a message.
const BODY_EXCERPT: usize = 300;

/// The shared client and the breakers of every dependency. Cloning shares both.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
    settings: OutboundSettings,
    breakers: Arc<Mutex<BTreeMap<&'static str, Breaker>>>,
}

impl Outbound {
    pub fn new(settings: OutboundSettings) -> crate::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.total_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(16)
            .user_agent(concat!("titan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                crate::Error::Internal(format!("the outbound HTTP client cannot be built: {e}"))
            })?;
        Ok(Self {
            client,
            settings,
            breakers: Arc::default(),
        })
    }

    /// The breaker of `dependency`, created closed on first use.
    pub fn breaker(&self, dependency: &'static str) -> Breaker {
        let mut breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        breakers
            .entry(dependency)
            .or_insert_with(|| Breaker::new(dependency, self.settings.open_for))
            .clone()
    }

    /// Every dependency called so far and where its breaker is.
    pub fn breaker_states(&self) -> Vec<(&'static str, BreakerState)> {
        let breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        breakers
            .iter()
            .map(|(name, b)| (*name, b.state()))
            .collect()
    }

    /// GETs `url` as JSON with a bearer token; retried on transient failures.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        dependency: &'static str,
        url: &str,
        bearer: &str,
    ) -> Result<T, OutboundError> {
        let mut attempt = 0;
        loop {
            let result = self.call_once(dependency, url, bearer).await;
            match result {
                Err(e)
                    if e.is_transient()
                        && !matches!(e, OutboundError::Open { .. })
                        && attempt < self.settings.retries =>
                {
                    let wait = self.settings.retry_base * 4u32.pow(attempt);
                    tracing::warn!(dependency, url, attempt, error = %e, wait_ms = wait.as_millis() as u64, "outbound call failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => {
                    tracing::error!(dependency, url, attempt, error = %e, "outbound call failed");
                    return Err(e);
                }
                Ok(body) => {
                    return serde_json::from_slice(&body).map_err(|e| OutboundError::Decode {
                        dependency,
                        message: e.to_string(),
                    });
                }
            }
        }
    }

    /// One attempt through the breaker; the body of a 2xx answer.
    async fn call_once(
        &self,
        dependency: &'static str,
        url: &str,
        bearer: &str,
    ) -> Result<Vec<u8>, OutboundError> {
        let breaker = self.breaker(dependency);
        if !breaker.permit() {
            return Err(OutboundError::Open {
                dependency,
                retry_secs: self.settings.open_for.as_secs().max(1),
            });
        }
        let started = std::time::Instant::now();
        let sent = self.client.get(url).bearer_auth(bearer).send().await;
        let result = match sent {
            Err(e) => Err(self.transport_error(dependency, &e)),
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Err(e) => Err(self.transport_error(dependency, &e)),
                    Ok(body) if status.is_success() => Ok(body.to_vec()),
                    Ok(body) => Err(OutboundError::Status {
                        dependency,
                        status: status.as_u16(),
                        body: excerpt(&body),
                    }),
                }
            }
        };
        metrics::histogram!("titan_outbound_seconds", "dependency" => dependency)
            .record(started.elapsed().as_secs_f64());
        // A refusal of this request (401, 404) says nothing about the service's
        // health; only failures worth retrying count against the breaker.
        breaker.record(!matches!(&result, Err(e) if e.is_transient()));
        result
    }

    fn transport_error(&self, dependency: &'static str, e: &reqwest::Error) -> OutboundError {
        if e.is_timeout() {
            OutboundError::Timeout {
                dependency,
                secs: self.settings.total_timeout.as_secs().max(1),
            }
        } else {
            OutboundError::Transport {
                dependency,
                message: e.to_string(),
            }
        }
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(BODY_EXCERPT).collect();
    if text.chars().count() > BODY_EXCERPT {
        cut.push('…');
    }
    cut
}
