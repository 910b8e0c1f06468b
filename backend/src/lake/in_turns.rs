//! Independent partition files worked on by a few threads in turn.

use anyhow::Result;

/// Applies `work` to every item on `threads` threads (item `i` on thread `i % threads`) and
/// returns the results in the items' order, so the outcome is the one thread's; every thread
/// is joined before the first error (in item order) is returned. The lake's months are
/// independent files: this is how the merge, the daily table's read and its write use both
/// cores. (Written here rather than with rayon: the three callers need only this, with a
/// thread count the merge lowers to bound its memory.)
pub(super) fn in_turns<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let threads = threads.clamp(1, items.len().max(1));
    let work = &work;
    let mut done: Vec<(usize, Result<R>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    items
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, item)| (i, work(item)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for w in workers {
            all.extend(
                w.join()
                    .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?,
            );
        }
        Ok::<_, anyhow::Error>(all)
    })?;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Two threads, or one on a single-core machine.
pub(super) fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..7).collect();
        for threads in [1, 2, 3, 10] {
            let out = in_turns(&items, threads, |&i| Ok(i * 10)).expect("ok");
            assert_eq!(out, vec![0, 10, 20, 30, 40, 50, 60]);
            let err = in_turns(&items, threads, |&i| {
                anyhow::ensure!(i != 2 && i != 5, "item {i}");
                Ok(i)
            })
            .expect_err("fails");
            assert_eq!(err.to_string(), "item 2");
        }
        assert!(
            in_turns(&[] as &[u32], 2, |&i| Ok(i))
                .expect("empty")
                .is_empty()
        );
    }
}
