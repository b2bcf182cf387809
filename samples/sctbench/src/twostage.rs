//! `twostage` and `twostage_100`, from the CS suite (SCTBench
//! `concurrent-software-benchmarks/twostage_bad.c`, `twostage_100_bad.c`).
//!
//! `funcA` threads do a two-stage update, each stage under its own lock: `data1 = 1` under
//! `data1Lock`, then `data2 = data1 + 1` under `data2Lock` (that read of `data1` is outside
//! `data1Lock`, so `data1` is racy). `funcB` threads read `data1` under `data1Lock` (returning if
//! it is still 0) and `data2` under `data2Lock`, and assert `data2 == data1 + 1`. The bug: a
//! reader runs both its critical sections between some writer's two stages (atomicity
//! violation) and sees `data1 = 1, data2 = 0`.
//!
//! * `twostage`: 1 writer, 1 reader (SCTBench: 3 threads, 11 scheduling points).
//! * `twostage_100`: 99 writers, 1 reader (SCTBench: 101 threads, 792 scheduling points). The
//!   many writers make the window short for a random walk and give PCT's lone reader a small
//!   chance of the right priority; bounded systematic search (DFS) drowns in the writers.
//!
//! Depth: one preemption of a writer between its stages, and the reader must then run both
//! its critical sections.
//!
//! The `_fixed` variants hold `data1Lock` across both stages in the writer and across both
//! reads in the reader (same lock order, so no deadlock).

use crate::shared::Shared;
use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

struct Vars {
    data1_lock: Mutex<()>,
    data2_lock: Mutex<()>,
    /// Written under `data1Lock`, read by writers under `data2Lock` only: racy.
    data1: Shared<i32>,
    /// Always accessed under `data2Lock`.
    data2: Shared<i32>,
}

async fn func_a(v: Arc<Vars>, fixed: bool) {
    if fixed {
        let _g1 = v.data1_lock.lock().await;
        v.data1.store(1).await;
        let _g2 = v.data2_lock.lock().await;
        let d1 = v.data1.load().await;
        v.data2.set(d1 + 1);
        return;
    }
    {
        let _g = v.data1_lock.lock().await;
        v.data1.store(1).await;
    }
    {
        let _g = v.data2_lock.lock().await;
        let d1 = v.data1.load().await;
        v.data2.set(d1 + 1);
    }
}

async fn func_b(v: Arc<Vars>, fixed: bool) {
    let (t1, t2);
    if fixed {
        let _g1 = v.data1_lock.lock().await;
        if v.data1.load().await == 0 {
            return;
        }
        t1 = v.data1.load().await;
        let _g2 = v.data2_lock.lock().await;
        t2 = v.data2.get();
    } else {
        {
            let _g = v.data1_lock.lock().await;
            if v.data1.load().await == 0 {
                return;
            }
            t1 = v.data1.load().await;
        }
        let _g = v.data2_lock.lock().await;
        t2 = v.data2.get();
    }
    assert!(
        t2 == t1 + 1,
        "twostage: reader saw data1 = {t1} but data2 = {t2}"
    ); // BAD
}

/// Runs the program with `t_threads` writers and `r_threads` readers.
pub async fn twostage_with(t_threads: usize, r_threads: usize, fixed: bool) {
    let v = Arc::new(Vars {
        data1_lock: Mutex::new(()),
        data2_lock: Mutex::new(()),
        data1: Shared::new(0),
        data2: Shared::new(0),
    });
    let t_pool: Vec<_> = (0..t_threads)
        .map(|_| task::spawn(func_a(v.clone(), fixed)))
        .collect();
    let r_pool: Vec<_> = (0..r_threads)
        .map(|_| task::spawn(func_b(v.clone(), fixed)))
        .collect();
    for t in t_pool {
        t.await.unwrap();
    }
    for t in r_pool {
        t.await.unwrap();
    }
}

/// 1 writer, 1 reader.
pub async fn twostage() {
    twostage_with(1, 1, false).await
}
/// 99 writers, 1 reader.
pub async fn twostage_100() {
    twostage_with(99, 1, false).await
}
/// `twostage` with the stages under one lock.
pub async fn twostage_fixed() {
    twostage_with(1, 1, true).await
}
/// `twostage_100` with the stages under one lock.
pub async fn twostage_100_fixed() {
    twostage_with(99, 1, true).await
}
