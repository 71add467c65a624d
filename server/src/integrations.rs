//! Builds the integrations service from the configuration: the sealing key (from
//! `TITAN_SECRET_KEY`, or a key file made once for a first run) and the shared
//! outbound client.

use crate::config::Config;
use std::path::{Path, PathBuf};
use titan::db::Db;
use titan::integrations::{Integrations, Sealer};
use titan::outbound::{Outbound, OutboundSettings};

/// Where the generated key lives when `TITAN_SECRET_KEY` is not set.
fn key_file(config: &Config) -> PathBuf {
    let media = Path::new(&config.media_dir);
    media.parent().unwrap_or(media).join("secret.key")
}

/// The sealing key: configured, read from the key file, or made into it.
pub fn sealer(config: &Config) -> Result<Sealer, String> {
    if let Some(key) = &config.secret_key {
        return Sealer::from_text(key).map_err(|e| e.to_string());
    }
    let path = key_file(config);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Sealer::new_key_text();
            write_private(&path, &key)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::warn!(path = %path.display(), "TITAN_SECRET_KEY is not set: made a key file; set TITAN_SECRET_KEY in production");
            key
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    Sealer::from_text(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// The integrations service on `db`.
pub fn integrations(db: &Db, config: &Config) -> Result<Integrations, String> {
    let settings = OutboundSettings {
        open_for: std::time::Duration::from_secs(config.breaker_open_secs),
        ..OutboundSettings::default()
    };
    let outbound = Outbound::new(settings).map_err(|e| e.to_string())?;
    Ok(Integrations::new(
        db.clone(),
        sealer(config)?,
        outbound,
        &config.hubspot_api_url,
    ))
}
