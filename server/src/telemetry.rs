//! Structured logs, set up once per process. `RUST_LOG` filters (default `info`);
//! `TITAN_LOG_FORMAT=json` emits one JSON object per line.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let installed = if format == "json" {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
    if let Err(e) = installed {
        eprintln!("tracing was already initialised: {e}");
    }
}
