//! `wronglock` and `wronglock_3`, from the CS suite (SCTBench
//! `concurrent-software-benchmarks/wronglock_bad.c`, `wronglock_3_bad.c`).
//!
//! `funcA` threads increment the volatile `dataValue` under `dataLock` and assert that the
//! value they read back is their own increment: `x = dataValue; dataValue++; assert(dataValue
//! == x + 1)`. `funcB` threads increment `dataValue` under a *different* lock, `thisLock`, so
//! their increments race with `funcA`'s: the assertion fails when a `funcB` increment lands
//! between `funcA`'s store and its re-read.
//!
//! * `wronglock`: 1 `funcA`, 7 `funcB` (SCTBench: 9 threads, 49 scheduling points).
//! * `wronglock_3`: 1 `funcA`, 3 `funcB` (SCTBench: 5 threads, 25 scheduling points).
//!
//! Depth: one preemption of `funcA` inside its critical section plus one `funcB` run.
//!
//! The `_fixed` variants have `funcB` take `dataLock`, the lock that protects `dataValue`.

use crate::shared::Shared;
use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

struct Vars {
    data_lock: Mutex<()>,
    this_lock: Mutex<()>,
    data_value: Shared<i32>,
}

/// Runs the program with `num1` `funcA` and `num2` `funcB` threads.
pub async fn wronglock_with(num1: usize, num2: usize, fixed: bool) {
    let v = Arc::new(Vars {
        data_lock: Mutex::new(()),
        this_lock: Mutex::new(()),
        data_value: Shared::new(0),
    });
    let num1_pool: Vec<_> = (0..num1)
        .map(|_| {
            let v = v.clone();
            task::spawn(async move {
                let _g = v.data_lock.lock().await;
                let x = v.data_value.load().await;
                let d = v.data_value.load().await;
                v.data_value.store(d + 1).await;
                let now = v.data_value.load().await;
                assert!(
                    now == x + 1,
                    "wronglock: funcA read {x}, then {now} after its increment"
                ); // BAD
            })
        })
        .collect();
    let num2_pool: Vec<_> = (0..num2)
        .map(|_| {
            let v = v.clone();
            task::spawn(async move {
                let lock = if fixed { &v.data_lock } else { &v.this_lock };
                let _g = lock.lock().await;
                let d = v.data_value.load().await;
                v.data_value.store(d + 1).await;
            })
        })
        .collect();
    for t in num1_pool {
        t.await.unwrap();
    }
    for t in num2_pool {
        t.await.unwrap();
    }
}

/// 1 `funcA`, 7 `funcB`.
pub async fn wronglock() {
    wronglock_with(1, 7, false).await
}
/// 1 `funcA`, 3 `funcB`.
pub async fn wronglock_3() {
    wronglock_with(1, 3, false).await
}
/// `wronglock` with `funcB` taking `dataLock`.
pub async fn wronglock_fixed() {
    wronglock_with(1, 7, true).await
}
/// `wronglock_3` with `funcB` taking `dataLock`.
pub async fn wronglock_3_fixed() {
    wronglock_with(1, 3, true).await
}
