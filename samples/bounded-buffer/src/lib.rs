//! A bounded buffer shared by producers and consumers, with ONE [`Notify`] standing for both
//! conditions ("not full" for producers, "not empty" for consumers): the async version of the
//! classic monitor bug where `notify` is used where `notifyAll` is needed.
//!
//! Both variants use the lost-wake-up-free waiting pattern for `tokio::sync::Notify`: create
//! the `notified()` future, pin it and `enable()` it (registering as a waiter) *before* checking
//! the condition under the lock; drop the lock; await. A change made after the check therefore
//! always finds the waiter registered. They differ in one call only:
//!
//! * [`BoundedBuffer::put`]/[`BoundedBuffer::take`] (planted bug) signal with `notify_one`. The
//!   one waiter it wakes (the oldest) may be on the same side as the signaller: a consumer
//!   that took an item wakes the other consumer instead of a waiting producer. The woken task
//!   finds nothing to do and waits again, the wake-up is spent, and once every producer and
//!   consumer is waiting no one is left to signal: a deadlock.
//! * [`BoundedBuffer::put_fixed`]/[`BoundedBuffer::take_fixed`] signal with `notify_waiters`:
//!   every waiter re-checks its own condition, so the ones that can proceed do.
//!
//! Entry points: `bounded_buffer` (buggy) and `bounded_buffer_fixed` run two producers and two
//! consumers, each moving three items through a buffer of capacity 1.

use coyote_harness::sync::{Mutex, Notify};
use coyote_harness::{spec, task};
use std::collections::VecDeque;
use std::pin::pin;
use std::sync::Arc;

/// A FIFO buffer of at most `capacity` items; `put` waits while it is full, `take` while it is
/// empty.
pub struct BoundedBuffer<T> {
    items: Mutex<VecDeque<T>>,
    capacity: usize,
    /// Signalled on every change, for both "not full" and "not empty".
    changed: Notify,
}

impl<T> BoundedBuffer<T> {
    /// An empty buffer holding at most `capacity` items.
    ///
    /// # Panics
    /// If `capacity` is zero.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a bounded buffer needs room for one item");
        BoundedBuffer {
            items: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
            changed: Notify::new(),
        }
    }

    /// Adds `item`, waiting while the buffer is full. Planted bug: wakes only one waiter.
    pub async fn put(&self, item: T) {
        self.put_with(item, || self.changed.notify_one()).await
    }

    /// Removes the oldest item, waiting while the buffer is empty. Planted bug: wakes only one
    /// waiter.
    pub async fn take(&self) -> T {
        self.take_with(|| self.changed.notify_one()).await
    }

    /// Adds `item`, waiting while the buffer is full; wakes every waiter.
    pub async fn put_fixed(&self, item: T) {
        self.put_with(item, || self.changed.notify_waiters()).await
    }

    /// Removes the oldest item, waiting while the buffer is empty; wakes every waiter.
    pub async fn take_fixed(&self) -> T {
        self.take_with(|| self.changed.notify_waiters()).await
    }

    async fn put_with(&self, item: T, signal: impl Fn()) {
        let mut item = Some(item);
        loop {
            let mut notified = pin!(self.changed.notified());
            notified.as_mut().enable();
            {
                let mut items = self.items.lock().await;
                if items.len() < self.capacity {
                    items.extend(item.take());
                    drop(items);
                    signal();
                    return;
                }
            }
            notified.await;
        }
    }

    async fn take_with(&self, signal: impl Fn()) -> T {
        loop {
            let mut notified = pin!(self.changed.notified());
            notified.as_mut().enable();
            {
                let mut items = self.items.lock().await;
                if let Some(item) = items.pop_front() {
                    drop(items);
                    signal();
                    return item;
                }
            }
            notified.await;
        }
    }
}

/// The shape of a run: how many producers and consumers, how many items each moves, and the
/// buffer's capacity. Producers and consumers move the same number of items each, so with
/// equally many of both every put is matched by a take.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Producer tasks.
    pub producers: u32,
    /// Consumer tasks.
    pub consumers: u32,
    /// Items each producer puts and each consumer takes.
    pub items: u32,
    /// The buffer's capacity.
    pub capacity: usize,
}

/// The shape of the exported entry points: two producers, two consumers, three items each, a
/// buffer of one.
pub const SHAPE: Shape = Shape {
    producers: 2,
    consumers: 2,
    items: 3,
    capacity: 1,
};

/// Runs the producers and consumers of `shape` over one buffer, with the buggy (`fixed ==
/// false`) or the fixed operations; checks that every item produced was consumed exactly once.
///
/// # Panics
/// If `shape` has different numbers of producers and consumers.
pub async fn run(shape: Shape, fixed: bool) {
    assert_eq!(shape.producers, shape.consumers, "unbalanced shape");
    let buffer = Arc::new(BoundedBuffer::new(shape.capacity));
    let producers: Vec<_> = (0..shape.producers)
        .map(|p| {
            let buffer = buffer.clone();
            task::spawn(async move {
                for i in 0..shape.items {
                    let item = p * 1000 + i;
                    if fixed {
                        buffer.put_fixed(item).await
                    } else {
                        buffer.put(item).await
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..shape.consumers)
        .map(|_| {
            let buffer = buffer.clone();
            task::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..shape.items {
                    got.push(if fixed {
                        buffer.take_fixed().await
                    } else {
                        buffer.take().await
                    });
                }
                got
            })
        })
        .collect();
    for r in task::join_all(producers).await {
        r.expect("not cancelled");
    }
    let mut consumed = Vec::new();
    for r in task::join_all(consumers).await {
        consumed.extend(r.expect("not cancelled"));
    }
    consumed.sort_unstable();
    let expected: Vec<u32> = (0..shape.producers)
        .flat_map(|p| (0..shape.items).map(move |i| p * 1000 + i))
        .collect();
    spec::assert(
        consumed == expected,
        format!("consumed {consumed:?}, produced {expected:?}"),
    );
}

/// Planted bug: `notify_one` can wake a task on the wrong side; all tasks end up waiting.
pub async fn bounded_buffer() {
    run(SHAPE, false).await;
}

/// Fixed: `notify_waiters` wakes everyone; every item gets through.
pub async fn bounded_buffer_fixed() {
    run(SHAPE, true).await;
}

coyote_harness::export_tests!(bounded_buffer, bounded_buffer_fixed);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    fn find_deadlock(shape: Shape, config: Config) -> String {
        let err = std::panic::catch_unwind(|| {
            check(
                move || run(shape, false),
                config.trace_dir(std::env::temp_dir().join("coyote-bounded-buffer")),
            )
        })
        .expect_err("the deadlock must be found");
        let msg = panic_text(&err);
        assert!(msg.starts_with("coyote found a bug"), "{msg}");
        assert!(msg.contains("deadlock: no task can run"), "{msg}");
        // Main waits for a producer, and every unfinished producer and consumer waits for a
        // notification that never comes.
        assert!(msg.contains("main waits to join "), "{msg}");
        assert!(
            msg.matches("waits on notify.notified").count() >= 2,
            "{msg}"
        );
        assert!(!msg.contains("waits on mutex.lock"), "{msg}");
        msg
    }

    #[test]
    fn check_finds_the_deadlock() {
        for s in ["random", "pct:3"] {
            let err = std::panic::catch_unwind(|| {
                check(
                    bounded_buffer,
                    Config::new()
                        .iterations(10_000)
                        .strategy(s)
                        .trace_dir(std::env::temp_dir().join("coyote-bounded-buffer")),
                )
            })
            .expect_err("the deadlock must be found");
            let msg = panic_text(&err);
            assert!(msg.starts_with("coyote found a bug"), "{msg}");
            assert!(msg.contains("deadlock"), "{s}: {msg}");
            assert!(msg.contains("waits on notify.notified"), "{s}: {msg}");
        }
    }

    #[test]
    fn dfs_finds_the_deadlock_with_one_item_each() {
        let shape = Shape { items: 1, ..SHAPE };
        find_deadlock(shape, Config::new().strategy("dfs").iterations(1_000_000));
    }

    #[test]
    fn capacity_two_deadlocks_with_three_per_side() {
        // With capacity 2, two producers and two consumers were never seen to deadlock (300,000
        // random and pct iterations); three of each do.
        let shape = Shape {
            producers: 3,
            consumers: 3,
            items: 3,
            capacity: 2,
        };
        find_deadlock(shape, Config::new().iterations(10_000));
    }

    #[test]
    fn fixed_passes_random() {
        check(
            bounded_buffer_fixed,
            Config::new().iterations(10_000).strategy("random"),
        );
    }

    #[test]
    fn fixed_passes_pct() {
        check(
            bounded_buffer_fixed,
            Config::new().iterations(10_000).strategy("pct:3"),
        );
    }

    #[test]
    fn fixed_passes_with_capacity_two() {
        let shape = Shape {
            producers: 3,
            consumers: 3,
            items: 3,
            capacity: 2,
        };
        for s in ["random", "pct:5"] {
            check(
                move || run(shape, true),
                Config::new().iterations(2_000).strategy(s),
            );
        }
    }

    #[test]
    fn one_producer_one_consumer_cannot_deadlock() {
        // With one task per side the woken waiter is on the other side (or is the signaller
        // itself, and tokio forwards a `notify_one` wake-up its dropped future did not use), so
        // `notify_one` is enough: the bug needs two waiters on one side. The whole space.
        check(
            || async {
                let buffer = Arc::new(BoundedBuffer::new(1));
                let b = buffer.clone();
                let producer = task::spawn(async move {
                    for i in 0..3 {
                        b.put(i).await;
                    }
                });
                let mut got = Vec::new();
                for _ in 0..3 {
                    got.push(buffer.take().await);
                }
                producer.await.unwrap();
                assert_eq!(got, [0, 1, 2]);
            },
            Config::new().iterations(1_000_000).strategy("dfs"),
        );
    }

    /// Production mode: the fixed buffer under a real tokio runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_tokio() {
        for _ in 0..50 {
            bounded_buffer_fixed().await;
        }
    }

    fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }
}
