//! Background jobs: the `background_jobs` table people see and that is the queue
//! ([`store`], [`queue`]), the worker that takes jobs from it ([`worker`]), one
//! attempt of a job ([`attempt`]) and what each kind does ([`render_job`],
//! [`train_job`], [`analyze_job`], [`system_jobs`]). [`admission`] lets a job in
//! under its workspace's quotas; [`service`] is what the web side calls.

pub mod admission;
pub mod analyze_job;
pub mod attempt;
pub mod queue;
pub mod render_job;
pub mod service;
pub mod store;
pub mod system_jobs;
pub mod train_job;
pub mod worker;

pub use attempt::JobEnv;
pub use queue::{JobQueue, QueueTiming};
pub use store::{JobFilter, NewJob};
pub use worker::{WorkerHandle, WorkerSettings};
