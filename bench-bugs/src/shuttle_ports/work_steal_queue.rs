//! `work_steal_queue`: with `BUG3`, `Push` may fill every slot and overwrite a slot being stolen.

use super::LockExt;
use shuttle::sync::atomic::{AtomicI64, Ordering::SeqCst};
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};
use std::sync::Arc;

const MAX_SIZE: i64 = 1024 * 1024;
const INITIAL_SIZE: i64 = 1024;

struct Wsq {
    lock: Mutex<()>,
    head: AtomicI64,
    tail: AtomicI64,
    /// The array and its mask (not racy as a whole; its elements are, see `read_elem`).
    elems: std::sync::Mutex<(Vec<usize>, i64)>,
}

impl Wsq {
    fn mask(&self) -> i64 {
        self.elems.lock_ok().1
    }

    fn read_elem(&self, i: i64) -> usize {
        thread::yield_now();
        let e = self.elems.lock_ok();
        e.0[(i & e.1) as usize]
    }

    fn write_elem(&self, i: i64, v: usize) {
        thread::yield_now();
        let mut e = self.elems.lock_ok();
        let at = (i & e.1) as usize;
        e.0[at] = v;
    }

    fn steal(&self) -> Option<usize> {
        let _g = self.lock.lock_ok();
        let h = self.head.load(SeqCst);
        self.head.store(h + 1, SeqCst);
        if h < self.tail.load(SeqCst) {
            Some(self.read_elem(h))
        } else {
            self.head.store(h, SeqCst);
            None
        }
    }

    fn pop(&self) -> Option<usize> {
        let t = self.tail.load(SeqCst) - 1;
        self.tail.store(t, SeqCst);
        if self.head.load(SeqCst) <= t {
            Some(self.read_elem(t))
        } else {
            self.tail.store(t + 1, SeqCst);
            self.sync_pop()
        }
    }

    fn sync_pop(&self) -> Option<usize> {
        let _g = self.lock.lock_ok();
        let t = self.tail.load(SeqCst) - 1;
        self.tail.store(t, SeqCst);
        let mut found = if self.head.load(SeqCst) <= t {
            Some(self.read_elem(t))
        } else {
            self.tail.store(t + 1, SeqCst);
            None
        };
        if self.head.load(SeqCst) > t {
            self.head.store(0, SeqCst);
            self.tail.store(0, SeqCst);
            found = None;
        }
        found
    }

    fn push(&self, elem: usize) {
        let t = self.tail.load(SeqCst);
        let mask = self.mask();
        if t < self.head.load(SeqCst) + mask + 1 && t < MAX_SIZE {
            self.write_elem(t, elem);
            self.tail.store(t + 1, SeqCst);
        } else {
            self.sync_push(elem);
        }
    }

    fn sync_push(&self, elem: usize) {
        let _g = self.lock.lock_ok();
        let mut h = self.head.load(SeqCst);
        let count = self.tail.load(SeqCst) - h;
        let mut mask = self.mask();
        h &= mask;
        self.head.store(h, SeqCst);
        self.tail.store(h + count, SeqCst);
        if count >= mask {
            let newsize = if mask == 0 {
                INITIAL_SIZE
            } else {
                2 * (mask + 1)
            };
            {
                let mut e = self.elems.lock_ok();
                let mut newtasks = vec![usize::MAX; newsize as usize];
                for (i, slot) in newtasks.iter_mut().enumerate().take(count as usize) {
                    *slot = e.0[((h + i as i64) & mask) as usize];
                }
                *e = (newtasks, newsize - 1);
                mask = newsize - 1;
            }
            self.head.store(0, SeqCst);
            self.tail.store(count, SeqCst);
        }
        assert!(
            count < mask,
            "work_steal_queue: count {count} >= mask {mask}"
        );
        let t = self.tail.load(SeqCst);
        self.write_elem(t, elem);
        self.tail.store(t + 1, SeqCst);
    }
}

fn operation(items: &[AtomicI32], r: usize) {
    assert!(
        r < items.len(),
        "work_steal_queue: got a slot that was never written"
    );
    items[r].fetch_add(1, Relaxed);
}

pub fn work_steal_queue() {
    let q = Arc::new(Wsq {
        lock: Mutex::new(()),
        head: AtomicI64::new(0),
        tail: AtomicI64::new(0),
        elems: std::sync::Mutex::new((vec![usize::MAX; 2], 1)),
    });
    let items: Arc<Vec<AtomicI32>> = Arc::new((0..4).map(|_| AtomicI32::new(0)).collect());
    let handles = (0..2)
        .map(|_| {
            let (q, items) = (q.clone(), items.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    if let Some(r) = q.steal() {
                        operation(&items, r);
                    }
                }
            })
        })
        .collect();
    for i in 0..2 {
        q.push(2 * i);
        q.push(2 * i + 1);
        if let Some(r) = q.pop() {
            operation(&items, r);
        }
    }
    for _ in 0..2 {
        if let Some(r) = q.pop() {
            operation(&items, r);
        }
    }
    super::join_all(handles);
    for (i, item) in items.iter().enumerate() {
        let f = item.load(Relaxed);
        assert!(
            f == 1,
            "work_steal_queue: item {i} was operated on {f} times"
        );
    }
}
