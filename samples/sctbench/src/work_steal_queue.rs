//! `work_steal_queue`, from the CHESS suite (SCTBench `chess/WorkStealQueue.cpp` with
//! `WorkStealQueue.h`, Microsoft's test of a Cilk "THE"-protocol work-stealing deque).
//!
//! The bound thread (`main`) pushes and pops at the tail without a lock; stealers take from the
//! head under the queue's lock, incrementing `head` *before* checking it against `tail` (and
//! restoring it on failure). `head` and `tail` are accessed with interlocked operations (each a
//! scheduling point here), and so are the array's elements (racy between `Push` and `Steal`;
//! declared as accesses of the whole array).
//! SCTBench builds the header with `BUG3`: `Push` takes its fast path while
//! `t < head + mask + 1`, i.e. it may fill *every* slot of the array, where the correct bound is
//! `t < head + mask` (always leave one slot free). With a full array a push can overwrite the
//! slot a concurrent `Steal` has claimed (incremented `head`) but not yet read: the stealer then
//! takes the new item, which `main` will pop too, and the old item is lost. The test operates
//! on every item it gets and finally checks that each of the `nItems = 4` items was operated on
//! exactly once; there are 2 stealers with 2 steal attempts each and an initial array of 2
//! (SCTBench: 3 threads, 161 scheduling points). Depth: a few preemptions (a steal must be
//! preempted between claiming and reading while `main` fills the array): PCT needs a few
//! dozen iterations, a random walk a few hundred.
//!
//! `work_steal_queue_fixed` uses the correct bound.

use crate::shared::Shared;
use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

const MAX_SIZE: i64 = 1024 * 1024;
const INITIAL_SIZE: i64 = 1024;
const INIT_Q_SIZE: i64 = 2;
const N_STEALERS: usize = 2;
const N_ITEMS: usize = 4;
const N_STEAL_ATTEMPTS: usize = 2;

/// The queue of item indices.
struct WorkStealQueue {
    /// The `SpinLock` base class (a pthread mutex in SCTBench's build).
    lock: Mutex<()>,
    head: Shared<i64>,
    tail: Shared<i64>,
    /// The element array and its mask. Replaced only by the bound thread under `lock`; read by
    /// stealers under `lock` and by the bound thread: the array itself is not racy, its
    /// elements are (see [`read_elem`](Self::read_elem)).
    elems: std::sync::Mutex<(Vec<usize>, i64)>,
    bug3: bool,
}

impl WorkStealQueue {
    fn new(size: i64, bug3: bool) -> Self {
        WorkStealQueue {
            lock: Mutex::new(()),
            head: Shared::new(0),
            tail: Shared::new(0),
            elems: std::sync::Mutex::new((vec![usize::MAX; size as usize], size - 1)),
            bug3,
        }
    }

    fn mask(&self) -> i64 {
        self.elems.lock().unwrap().1
    }

    async fn read_elem(&self, i: i64) -> usize {
        task::yield_read(&self.elems).await;
        let e = self.elems.lock().unwrap();
        e.0[(i & e.1) as usize]
    }

    async fn write_elem(&self, i: i64, v: usize) {
        task::yield_write(&self.elems).await;
        let mut e = self.elems.lock().unwrap();
        let at = (i & e.1) as usize;
        e.0[at] = v;
    }

    async fn steal(&self) -> Option<usize> {
        let _g = self.lock.lock().await;
        let h = self.head.load().await;
        self.head.store(h + 1).await;
        if h < self.tail.load().await {
            Some(self.read_elem(h).await)
        } else {
            self.head.store(h).await;
            None
        }
    }

    async fn pop(&self) -> Option<usize> {
        let t = self.tail.load().await - 1;
        self.tail.store(t).await;
        if self.head.load().await <= t {
            Some(self.read_elem(t).await)
        } else {
            self.tail.store(t + 1).await;
            self.sync_pop().await
        }
    }

    async fn sync_pop(&self) -> Option<usize> {
        let _g = self.lock.lock().await;
        let t = self.tail.load().await - 1;
        self.tail.store(t).await;
        let mut found = if self.head.load().await <= t {
            Some(self.read_elem(t).await)
        } else {
            self.tail.store(t + 1).await;
            None
        };
        if self.head.load().await > t {
            self.head.store(0).await;
            self.tail.store(0).await;
            found = None;
        }
        found
    }

    async fn push(&self, elem: usize) {
        let t = self.tail.load().await;
        let mask = self.mask();
        let fast = if self.bug3 {
            t < self.head.load().await + mask + 1 && t < MAX_SIZE // BAD (BUG3)
        } else {
            t < self.head.load().await + mask && t < MAX_SIZE
        };
        if fast {
            self.write_elem(t, elem).await;
            self.tail.store(t + 1).await;
        } else {
            self.sync_push(elem).await;
        }
    }

    async fn sync_push(&self, elem: usize) {
        let _g = self.lock.lock().await;
        let mut h = self.head.load().await;
        let count = self.tail.load().await - h;
        let mask = self.mask();
        h &= mask;
        self.head.store(h).await;
        self.tail.store(h + count).await;
        let mut mask = mask;
        if count >= mask {
            let newsize = if mask == 0 {
                INITIAL_SIZE
            } else {
                2 * (mask + 1)
            };
            assert!(newsize < MAX_SIZE, "work_steal_queue: too large");
            {
                let mut e = self.elems.lock().unwrap();
                let mut newtasks = vec![usize::MAX; newsize as usize];
                for (i, slot) in newtasks.iter_mut().enumerate().take(count as usize) {
                    *slot = e.0[((h + i as i64) & mask) as usize];
                }
                *e = (newtasks, newsize - 1);
                mask = newsize - 1;
            }
            self.head.store(0).await;
            self.tail.store(count).await;
        }
        assert!(
            count < mask,
            "work_steal_queue: count {count} >= mask {mask}"
        );
        let t = self.tail.load().await;
        self.write_elem(t, elem).await;
        self.tail.store(t + 1).await;
    }
}

/// `ObjType::Operation`: items are counters, each must be operated on exactly once.
fn operation(items: &[Shared<i32>], r: usize) {
    assert!(
        r < items.len(),
        "work_steal_queue: got a slot that was never written"
    );
    items[r].set(items[r].get() + 1);
}

async fn run(bug3: bool) {
    let q = Arc::new(WorkStealQueue::new(INIT_Q_SIZE, bug3));
    let items: Arc<Vec<Shared<i32>>> = Arc::new((0..N_ITEMS).map(|_| Shared::new(0)).collect());
    let handles: Vec<_> = (0..N_STEALERS)
        .map(|_| {
            let (q, items) = (q.clone(), items.clone());
            task::spawn(async move {
                for _ in 0..N_STEAL_ATTEMPTS {
                    if let Some(r) = q.steal().await {
                        operation(&items, r);
                    }
                }
            })
        })
        .collect();
    for i in 0..N_ITEMS / 2 {
        q.push(2 * i).await;
        q.push(2 * i + 1).await;
        if let Some(r) = q.pop().await {
            operation(&items, r);
        }
    }
    for _ in 0..N_ITEMS / 2 {
        if let Some(r) = q.pop().await {
            operation(&items, r);
        }
    }
    for h in handles {
        h.await.unwrap();
    }
    for (i, item) in items.iter().enumerate() {
        let f = item.get();
        assert!(
            f == 1,
            "work_steal_queue: item {i} was operated on {f} times"
        ); // BAD
    }
}

/// The test with `BUG3`.
pub async fn work_steal_queue() {
    run(true).await
}

/// The test with the correct push bound.
pub async fn work_steal_queue_fixed() {
    run(false).await
}
