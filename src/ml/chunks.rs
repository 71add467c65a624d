//! Work on a large training set cut into fixed chunks of rows, shared among the
//! machine's threads. The chunks do not depend on the thread count and their
//! results come back in row order, so sums made from them are the same on any
//! machine.

use std::ops::Range;

/// Rows a chunk covers.
pub(crate) const CHUNK: usize = 1 << 13;

/// Below this many values (rows × columns) one thread does it all: spawning
/// costs more than it saves.
const SERIAL: usize = 1 << 16;

/// Threads [`map`] uses for `values` values.
pub(crate) fn threads(values: usize) -> usize {
    if values < SERIAL {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// `f` of each chunk of `0..rows`, in order, on `threads` threads.
pub(crate) fn map<T: Send>(
    rows: usize,
    threads: usize,
    f: impl Fn(Range<usize>) -> T + Sync,
) -> Vec<T> {
    let chunks = rows.div_ceil(CHUNK).max(1);
    let chunk = |c: usize| f(c * CHUNK..((c + 1) * CHUNK).min(rows));
    let threads = threads.clamp(1, chunks);
    if threads == 1 {
        return (0..chunks).map(chunk).collect();
    }
    let per = chunks.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let chunk = &chunk;
                scope.spawn(move || {
                    (t * per..((t + 1) * per).min(chunks))
                        .map(chunk)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_rows_in_order_on_any_thread_count() {
        for rows in [0, 1, CHUNK, 5 * CHUNK + 3] {
            let one = map(rows, 1, |r| r);
            assert_eq!(one, map(rows, 3, |r| r));
            assert_eq!(one.first().map(|r| r.start), Some(0));
            assert_eq!(one.last().map(|r| r.end), Some(rows));
            assert!(one.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}
