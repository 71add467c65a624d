//! A small in-memory cache of values read from the database, each trusted for
//! a short lifetime and only while a change counter has not moved since it was
//! read (see `accounts::changes`). Bounded: past its capacity, expired
//! entries are dropped first, then everything.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Entry<V> {
    read_at: Instant,
    generation: u64,
    value: V,
}

/// Values by key for `lifetime` each, while `generation()` stays what it was.
pub struct ShortCache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    lifetime: Duration,
    capacity: usize,
    generation: fn() -> u64,
}

impl<K: Eq + Hash + Clone, V: Clone> ShortCache<K, V> {
    /// A zero `lifetime` caches nothing.
    pub fn new(lifetime: Duration, capacity: usize, generation: fn() -> u64) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            lifetime,
            capacity: capacity.max(1),
            generation,
        }
    }

    /// The value kept for `key`, when it is still to be trusted.
    pub fn get(&self, key: &K) -> Option<V> {
        if self.lifetime.is_zero() {
            return None;
        }
        let generation = (self.generation)();
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.read_at.elapsed() < self.lifetime)
            .then(|| entry.value.clone())
    }

    /// The counter to pass to [`ShortCache::put`]: read it *before* reading the
    /// database, so a change committed meanwhile leaves the entry untrusted.
    pub fn generation(&self) -> u64 {
        (self.generation)()
    }

    /// Keeps `value`, read from the database when the counter was `generation`.
    pub fn put(&self, key: K, value: V, generation: u64) {
        if self.lifetime.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            tracing::error!("a short cache's lock is poisoned; not cached");
            return;
        };
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let lifetime = self.lifetime;
            entries.retain(|_, e| e.read_at.elapsed() < lifetime);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                read_at: Instant::now(),
                generation,
                value,
            },
        );
    }

    /// Forgets `key` (its row changed or went away).
    pub fn remove(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    fn counter() -> u64 {
        COUNTER.load(Ordering::Acquire)
    }

    #[test]
    fn values_are_kept_for_their_lifetime_and_until_the_counter_moves() {
        let cache = ShortCache::new(Duration::from_secs(60), 10, counter);
        let read_at = cache.generation();
        cache.put("a", 1, read_at);
        assert_eq!(cache.get(&"a"), Some(1));
        COUNTER.fetch_add(1, Ordering::Release);
        assert_eq!(cache.get(&"a"), None, "a change since the read");
        // Read before a change, stored after it: never trusted.
        let stale = cache.generation() - 1;
        cache.put("b", 2, stale);
        assert_eq!(cache.get(&"b"), None);
        cache.put("c", 3, cache.generation());
        cache.remove(&"c");
        assert_eq!(cache.get(&"c"), None);
    }

    #[test]
    fn expired_values_and_a_zero_lifetime_give_nothing() {
        let cache = ShortCache::new(Duration::from_millis(1), 10, counter);
        cache.put(1, "x", cache.generation());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(cache.get(&1), None);
        let off = ShortCache::new(Duration::ZERO, 10, counter);
        off.put(1, "x", off.generation());
        assert_eq!(off.get(&1), None);
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = ShortCache::new(Duration::from_secs(60), 3, counter);
        for i in 0..10 {
            cache.put(i, i, cache.generation());
            assert!(cache.entries.lock().unwrap().len() <= 3);
        }
    }
}
