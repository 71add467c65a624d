//! `choose`: which arm to serve now, answered from memory.
//!
//! Ad servers call `choose` for every impression, so it never reads the database:
//! each running experiment's current split is kept as a ready [`Chooser`] with the
//! arm ids, loaded on first use and dropped whenever this process changes the
//! experiment (start, apply, stop, arms). Another process's change drops them
//! at once when it is announced (Redis, [`crate::change_fanout`]), and within
//! [`SNAPSHOT_TTL`] otherwise.

use super::engine::choose::Chooser;
use super::store;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_pool;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a loaded split is served before it is read again.
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(5);

/// Moves when another process announces an experiment change: every snapshot
/// loaded before is stale.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Another process changed an experiment (which one is not said).
pub fn experiments_changed_elsewhere() {
    GENERATION.fetch_add(1, Ordering::Release);
}

/// The arm to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Choice {
    pub arm_id: i64,
    pub creative_id: i64,
}

/// What `choose` and event checks need of one experiment.
pub struct Snapshot {
    pub workspace_id: i64,
    pub running: bool,
    pub started_at: i64,
    /// (arm id, creative id) in the chooser's order.
    pub arms: Vec<(i64, i64)>,
    chooser: Option<Chooser>,
    loaded: Instant,
    /// [`GENERATION`] when it was loaded.
    generation: u64,
}

impl Snapshot {
    /// Still servable: young enough, and no change announced since it loaded.
    fn fresh(&self) -> bool {
        self.loaded.elapsed() < SNAPSHOT_TTL
            && self.generation == GENERATION.load(Ordering::Acquire)
    }
}

impl Snapshot {
    /// Picks an arm by the current split.
    pub fn pick<R: rand::RngCore + ?Sized>(&self, rng: &mut R) -> Option<Choice> {
        let chooser = self.chooser.as_ref()?;
        let (arm_id, creative_id) = *self.arms.get(chooser.pick(rng))?;
        Some(Choice {
            arm_id,
            creative_id,
        })
    }

    pub fn arm_ids(&self) -> Vec<i64> {
        self.arms.iter().map(|(arm, _)| *arm).collect()
    }
}

/// The loaded snapshots of this process.
#[derive(Clone, Default)]
pub struct Snapshots {
    map: Arc<RwLock<HashMap<i64, Arc<Snapshot>>>>,
}

impl Snapshots {
    /// The snapshot of experiment `id`, loading it when missing or stale.
    pub async fn get(&self, db: &Db, id: i64) -> Result<Arc<Snapshot>> {
        let cached = {
            let map = self.map.read().unwrap_or_else(|p| p.into_inner());
            map.get(&id).filter(|s| s.fresh()).cloned()
        };
        if let Some(snapshot) = cached {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(load(db, id).await?);
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        map.insert(id, snapshot.clone());
        Ok(snapshot)
    }

    /// Drops experiment `id`'s snapshot after a change, here and (announced)
    /// in the other processes.
    pub fn forget(&self, id: i64) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        map.remove(&id);
        crate::change_fanout::announce(crate::change_fanout::Topic::Experiments);
    }
}

async fn load(db: &Db, id: i64) -> Result<Snapshot> {
    // Read before the rows: a change announced during the load leaves it stale.
    let generation = GENERATION.load(Ordering::Acquire);
    let head: Option<(i64, String, Option<i64>)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT workspace_id, status, started_at FROM experiments WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?);
    let (workspace_id, status, started_at) = head.ok_or(Error::NotFound("experiment"))?;
    let arms = store::arms(db, id).await?;
    let periods = store::periods(db, id).await?;
    let current = periods.last().filter(|p| p.ended_at.is_none());
    let (pairs, shares): (Vec<(i64, i64)>, Vec<f64>) = match current {
        Some(period) => arms
            .iter()
            .map(|a| ((a.id, a.creative_id), period.share_of(a.id)))
            .unzip(),
        None => (arms.iter().map(|a| (a.id, a.creative_id)).collect(), vec![]),
    };
    let chooser =
        if status == "running" && !shares.is_empty() {
            Some(Chooser::new(&shares).map_err(|e| {
                Error::Internal(format!("experiment {id} has an unusable split: {e}"))
            })?)
        } else {
            None
        };
    Ok(Snapshot {
        workspace_id,
        running: status == "running",
        started_at: started_at.unwrap_or(0),
        arms: pairs,
        chooser,
        loaded: Instant::now(),
        generation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_change_makes_every_loaded_snapshot_stale() {
        let snapshot = Snapshot {
            workspace_id: 1,
            running: true,
            started_at: 0,
            arms: vec![(1, 1)],
            chooser: None,
            loaded: Instant::now(),
            generation: GENERATION.load(Ordering::Acquire),
        };
        assert!(snapshot.fresh());
        experiments_changed_elsewhere();
        assert!(!snapshot.fresh());
    }
}
