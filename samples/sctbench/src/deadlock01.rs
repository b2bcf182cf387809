//! `deadlock01`, from the CS suite (Cordeiro's ESBMC benchmarks; SCTBench
//! `concurrent-software-benchmarks/deadlock01_bad.c`).
//!
//! Two threads take two locks in opposite orders: `thread1` locks `a` then `b`, `thread2` locks
//! `b` then `a`, and each then updates a counter. The bug is the classic lock-order deadlock:
//! `thread1` holds `a` while `thread2` holds `b`. SCTBench lists 3 threads and at most 11
//! scheduling points. Depth: one preemption (switch to `thread2` right after `thread1` locked
//! `a`), so every strategy finds it quickly.
//!
//! `deadlock01_fixed` takes the locks in the same order in both threads.

use crate::shared::Shared;
use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

async fn run(fixed: bool) {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    // Only ever accessed with both locks held: not racy, not a scheduling point.
    let counter = Arc::new(Shared::new(1i32));

    let t1 = {
        let (a, b, counter) = (a.clone(), b.clone(), counter.clone());
        task::spawn(async move {
            let _ga = a.lock().await;
            let _gb = b.lock().await;
            counter.set(counter.get() + 1);
        })
    };
    let t2 = task::spawn(async move {
        let (_ga, _gb);
        if fixed {
            _ga = a.lock().await;
            _gb = b.lock().await;
        } else {
            _gb = b.lock().await;
            _ga = a.lock().await; // BAD: deadlock
        }
        counter.set(counter.get() - 1);
    });
    t1.await.unwrap();
    t2.await.unwrap();
}

/// The program with its lock-order deadlock.
pub async fn deadlock01() {
    run(false).await
}

/// Both threads lock `a` before `b`.
pub async fn deadlock01_fixed() {
    run(true).await
}
