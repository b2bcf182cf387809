//! `lazy01`, from the CS suite (SCTBench `concurrent-software-benchmarks/lazy01_bad.c`).
//!
//! Three threads share `data` under one mutex: `thread1` adds 1, `thread2` adds 2, and `thread3`
//! asserts that `data < 3`. The assertion fails when `thread3` takes the mutex after both
//! others: it was written for "lazy" exploration tools that assume the threads run in creation
//! order. SCTBench lists 4 threads, 11 scheduling points; depth: `thread3` must be scheduled
//! last among the three, a plain ordering bug (no preemption needed).
//!
//! There is no meaningful fixed variant: the suite's `lazy01_ok` only deletes the assertion.

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

/// The program; the assertion in `thread3` fails when it runs last.
pub async fn lazy01() {
    let data = Arc::new(Mutex::new(0i32));
    let t1 = {
        let data = data.clone();
        task::spawn(async move { *data.lock().await += 1 })
    };
    let t2 = {
        let data = data.clone();
        task::spawn(async move { *data.lock().await += 2 })
    };
    let t3 = {
        let data = data.clone();
        task::spawn(async move {
            let d = data.lock().await;
            assert!(*d < 3, "lazy01: thread3 saw data = {}", *d); // BAD
        })
    };
    t1.await.unwrap();
    t2.await.unwrap();
    t3.await.unwrap();
}
