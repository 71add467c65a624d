//! Champion models kept decoded in memory, so a prediction costs arithmetic and
//! not a database read plus a JSON decode of the model.
//!
//! An entry is dropped when the registry changes: [`registry_changed`] is
//! called by every registry write in this process (a new model, a promotion, a
//! rollback). A change made by another process (a worker's training job) is
//! seen when the entry is read again, after the cache's lifetime
//! (`TITAN_MODEL_CACHE_MS`, one second by default).

use super::registry::{self, ModelKind, ModelRecord};
use super::train::CsvCtrModel;
use crate::db::Db;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Bumped by every registry write in this process.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Marks every cached champion of this process as stale, and tells the other
/// processes through Redis when it is set.
pub fn registry_changed() {
    registry_changed_elsewhere();
    crate::change_fanout::announce(crate::change_fanout::Topic::Registry);
}

/// Another process changed the registry: every cached champion is stale.
pub fn registry_changed_elsewhere() {
    GENERATION.fetch_add(1, Ordering::Release);
}

/// A champion CTR model trained from an export, ready to serve.
#[derive(Debug)]
pub struct ServedCtr {
    /// The registry row, without its parameters (they are decoded in `model`).
    pub record: ModelRecord,
    pub model: CsvCtrModel,
    /// `ctr-v3`.
    pub version_label: String,
}

#[derive(Clone, Debug)]
struct Entry {
    loaded_at: Instant,
    generation: u64,
    /// `None`: the workspace has no such champion (also worth remembering).
    value: Option<Arc<ServedCtr>>,
}

/// Decoded champions per workspace, shared by every request of the process.
#[derive(Clone, Debug)]
pub struct ChampionCache {
    entries: Arc<RwLock<HashMap<i64, Entry>>>,
    lifetime: Duration,
}

impl ChampionCache {
    /// A cache whose entries are read again after `lifetime` at the latest.
    pub fn new(lifetime: Duration) -> Self {
        Self {
            entries: Arc::default(),
            lifetime,
        }
    }

    /// The champion CTR model of `workspace_id` (`None` when none was trained
    /// from an export), from memory when the cached one is still current.
    pub async fn ctr(&self, db: &Db, workspace_id: i64) -> Result<Option<Arc<ServedCtr>>> {
        let generation = GENERATION.load(Ordering::Acquire);
        if let Some(entry) = self.current(workspace_id, generation) {
            return Ok(entry.value);
        }
        let value = match registry::champion(db, workspace_id, ModelKind::CtrExport).await? {
            Some(record) => Some(Arc::new(decode(record)?)),
            None => None,
        };
        let entry = Entry {
            loaded_at: Instant::now(),
            generation,
            value: value.clone(),
        };
        match self.entries.write() {
            Ok(mut entries) => {
                entries.insert(workspace_id, entry);
            }
            Err(e) => tracing::error!(error = %e, "champion cache poisoned; not cached"),
        }
        Ok(value)
    }

    fn current(&self, workspace_id: i64, generation: u64) -> Option<Entry> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(&workspace_id)?;
        (entry.generation == generation && entry.loaded_at.elapsed() < self.lifetime)
            .then(|| entry.clone())
    }
}

/// The served form of a champion's record.
fn decode(mut record: ModelRecord) -> Result<ServedCtr> {
    let params = std::mem::take(&mut record.params);
    let model: CsvCtrModel = serde_json::from_value(params).map_err(|e| {
        Error::Internal(format!("model {} unreadable: {e}", record.version_label()))
    })?;
    Ok(ServedCtr {
        version_label: record.version_label(),
        record,
        model,
    })
}
