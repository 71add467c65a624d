//! Calls Titan makes to other services (HubSpot today; LLM providers and ad
//! platforms later) go through this one layer, so every dependency gets the same
//! treatment: one pooled HTTP client with connect and total timeouts
//! ([`client`]), a circuit breaker per dependency that fails fast while the
//! service is down ([`breaker`]), retries with backoff only for idempotent calls,
//! and a failure message that names the dependency and ends up on the job row and
//! in the log.

pub mod breaker;
pub mod client;

pub use breaker::{Breaker, BreakerState};
pub use client::{Outbound, OutboundError, OutboundSettings};
