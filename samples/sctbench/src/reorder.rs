//! `reorder_N`, from the CS suite (SCTBench `concurrent-software-benchmarks/reorder_{3,4,5,10,20}_bad.c`).
//!
//! `iSet` setter threads each write `a = 1; b = -1;` (two racy stores) and `iCheck` checker
//! threads each assert `(a == 0 && b == 0) || (a == 1 && b == -1)` (racy loads, evaluated with
//! C's short-circuit order). The assertion fails when a checker reads between a setter's two
//! stores (it sees `a == 1, b == 0`) or reads `a` before and `b` after a setter ran. The
//! variants differ only in thread counts, as in SCTBench (N = total threads minus main):
//!
//! | program | setters | checkers |
//! |---|---|---|
//! | `reorder_3` | 2 | 1 |
//! | `reorder_4` | 3 | 1 |
//! | `reorder_5` | 4 | 1 |
//! | `reorder_10` | 9 | 1 |
//! | `reorder_20` | 10 | 10 |
//!
//! Depth: one preemption of a setter between its two stores with a switch to a checker (or a
//! checker reading `a` before and `b` after some setter). Which setter it is does not matter,
//! so random walks and PCT find every variant; but a scheduler that deviates from round-robin
//! only a bounded number of times must skip every setter queued ahead of the checker in one
//! setter's window, so delay bounding with 2 delays finds only `reorder_3` (as SCTBench
//! observed, the delay bound these bugs need grows with the thread count), and DFS, which
//! varies the last decisions first, finds only `reorder_3` within 10,000 schedules.
//!
//! The `_fixed` variants make each setter's pair of stores and each checker's reads one
//! critical section under a mutex.

use crate::shared::Shared;
use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

struct Vars {
    a: Shared<i32>,
    b: Shared<i32>,
    lock: Mutex<()>,
}

/// Runs the program with `i_set` setters and `i_check` checkers.
pub async fn reorder(i_set: usize, i_check: usize, fixed: bool) {
    let v = Arc::new(Vars {
        a: Shared::new(0),
        b: Shared::new(0),
        lock: Mutex::new(()),
    });
    let mut set_pool = Vec::with_capacity(i_set);
    for _ in 0..i_set {
        let v = v.clone();
        set_pool.push(task::spawn(async move {
            if fixed {
                let _g = v.lock.lock().await;
                v.a.set(1);
                v.b.set(-1);
            } else {
                v.a.store(1).await;
                v.b.store(-1).await;
            }
        }));
    }
    let mut check_pool = Vec::with_capacity(i_check);
    for _ in 0..i_check {
        let v = v.clone();
        check_pool.push(task::spawn(async move {
            let ok = if fixed {
                let _g = v.lock.lock().await;
                let (a, b) = (v.a.get(), v.b.get());
                (a == 0 && b == 0) || (a == 1 && b == -1)
            } else {
                (v.a.load().await == 0 && v.b.load().await == 0)
                    || (v.a.load().await == 1 && v.b.load().await == -1)
            };
            assert!(ok, "reorder: a checker saw a half-done set"); // BAD
        }));
    }
    for t in set_pool {
        t.await.unwrap();
    }
    for t in check_pool {
        t.await.unwrap();
    }
}

/// 2 setters, 1 checker.
pub async fn reorder_3() {
    reorder(2, 1, false).await
}
/// 3 setters, 1 checker.
pub async fn reorder_4() {
    reorder(3, 1, false).await
}
/// 4 setters, 1 checker.
pub async fn reorder_5() {
    reorder(4, 1, false).await
}
/// 9 setters, 1 checker.
pub async fn reorder_10() {
    reorder(9, 1, false).await
}
/// 10 setters, 10 checkers.
pub async fn reorder_20() {
    reorder(10, 10, false).await
}
/// `reorder_3` with locked critical sections.
pub async fn reorder_3_fixed() {
    reorder(2, 1, true).await
}
/// `reorder_4` with locked critical sections.
pub async fn reorder_4_fixed() {
    reorder(3, 1, true).await
}
/// `reorder_5` with locked critical sections.
pub async fn reorder_5_fixed() {
    reorder(4, 1, true).await
}
/// `reorder_10` with locked critical sections.
pub async fn reorder_10_fixed() {
    reorder(9, 1, true).await
}
/// `reorder_20` with locked critical sections.
pub async fn reorder_20_fixed() {
    reorder(10, 10, true).await
}
