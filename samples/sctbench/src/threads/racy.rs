//! The CS programs whose bug is a race on plain globals, as threads: `reorder_N`, `twostage`,
//! `wronglock` (SCTBench `concurrent-software-benchmarks/{reorder_N,twostage,wronglock}_bad.c`).
//!
//! A global the C program reads or writes without a consistent lock is an atomic accessed
//! `Relaxed` (each access a scheduling point), and one always accessed under one lock lives
//! inside that `Mutex`. Thread counts and parameters are the originals'; what each bug is, is
//! said in the task ports (`crate::reorder`, `crate::twostage`, `crate::wronglock`).

use super::{join_all, lock};
use coyote_harness::std::sync::atomic::{AtomicI32, Ordering::Relaxed};
use coyote_harness::std::sync::{Arc, Mutex};
use coyote_harness::std::thread;

/// `reorder_N`: `i_set` threads run `a = 1; b = -1;`, `i_check` threads assert
/// `(a == 0 && b == 0) || (a == 1 && b == -1)`; the fixed variant locks both.
fn reorder(i_set: usize, i_check: usize, fixed: bool) {
    let v = Arc::new((AtomicI32::new(0), AtomicI32::new(0), Mutex::new(())));
    let mut pool = Vec::new();
    for _ in 0..i_set {
        let v = v.clone();
        pool.push(thread::spawn(move || {
            let _g = fixed.then(|| lock(&v.2));
            v.0.store(1, Relaxed);
            v.1.store(-1, Relaxed);
        }));
    }
    for _ in 0..i_check {
        let v = v.clone();
        pool.push(thread::spawn(move || {
            let _g = fixed.then(|| lock(&v.2));
            let ok = (v.0.load(Relaxed) == 0 && v.1.load(Relaxed) == 0)
                || (v.0.load(Relaxed) == 1 && v.1.load(Relaxed) == -1);
            assert!(ok, "reorder: a checker saw a half-done set"); // BAD
        }));
    }
    join_all(pool);
}

/// 2 setters, 1 checker.
pub async fn threads_reorder_3() {
    reorder(2, 1, false)
}
/// `threads_reorder_3` with locked critical sections.
pub async fn threads_reorder_3_fixed() {
    reorder(2, 1, true)
}
/// 9 setters, 1 checker.
pub async fn threads_reorder_10() {
    reorder(9, 1, false)
}
/// `threads_reorder_10` with locked critical sections.
pub async fn threads_reorder_10_fixed() {
    reorder(9, 1, true)
}
/// 10 setters, 10 checkers.
pub async fn threads_reorder_20() {
    reorder(10, 10, false)
}

/// `twostage`: writers set `data1 = 1` under `data1Lock`, then `data2 = data1 + 1` under
/// `data2Lock`; readers read `data1` under `data1Lock` and `data2` under `data2Lock` and assert
/// `data2 == data1 + 1`. `data1` is read outside its lock (racy); `data2` lives in its lock.
/// The fixed variant holds `data1Lock` across both stages.
fn twostage(t_threads: usize, r_threads: usize, fixed: bool) {
    let v = Arc::new((Mutex::new(()), Mutex::new(0i32), AtomicI32::new(0)));
    let mut pool = Vec::new();
    for _ in 0..t_threads {
        let v = v.clone();
        pool.push(thread::spawn(move || {
            let (data1_lock, data2_lock, data1) = (&v.0, &v.1, &v.2);
            let g1 = lock(data1_lock);
            data1.store(1, Relaxed);
            let held = if fixed {
                Some(g1)
            } else {
                drop(g1);
                None
            };
            let mut data2 = lock(data2_lock);
            *data2 = data1.load(Relaxed) + 1;
            drop(data2);
            drop(held);
        }));
    }
    for _ in 0..r_threads {
        let v = v.clone();
        pool.push(thread::spawn(move || {
            let (data1_lock, data2_lock, data1) = (&v.0, &v.1, &v.2);
            let g1 = lock(data1_lock);
            if data1.load(Relaxed) == 0 {
                return;
            }
            let t1 = data1.load(Relaxed);
            if !fixed {
                drop(g1);
            }
            let t2 = *lock(data2_lock);
            assert!(
                t2 == t1 + 1,
                "twostage: reader saw data1 = {t1} but data2 = {t2}"
            ); // BAD
        }));
    }
    join_all(pool);
}

/// 1 writer, 1 reader.
pub async fn threads_twostage() {
    twostage(1, 1, false)
}
/// `threads_twostage` with the stages under one lock.
pub async fn threads_twostage_fixed() {
    twostage(1, 1, true)
}

/// `wronglock`: `num1` `funcA` threads increment the volatile `dataValue` under `dataLock` and
/// assert they read back their own increment; `num2` `funcB` threads increment it under
/// `thisLock` (the fixed variant: under `dataLock`).
fn wronglock(num1: usize, num2: usize, fixed: bool) {
    let v = Arc::new((Mutex::new(()), Mutex::new(()), AtomicI32::new(0)));
    let mut pool = Vec::new();
    for _ in 0..num1 {
        let v = v.clone();
        pool.push(thread::spawn(move || {
            let (data_lock, data_value) = (&v.0, &v.2);
            let _g = lock(data_lock);
            let x = data_value.load(Relaxed);
            data_value.store(data_value.load(Relaxed) + 1, Relaxed);
            let now = data_value.load(Relaxed);
            assert!(
                now == x + 1,
                "wronglock: funcA read {x}, then {now} after its increment"
            ); // BAD
        }));
    }
    for _ in 0..num2 {
        let v = v.clone();
        pool.push(thread::spawn(move || {
            let which = if fixed { &v.0 } else { &v.1 };
            let _g = lock(which);
            v.2.store(v.2.load(Relaxed) + 1, Relaxed);
        }));
    }
    join_all(pool);
}

/// 1 `funcA`, 7 `funcB`.
pub async fn threads_wronglock() {
    wronglock(1, 7, false)
}
/// `threads_wronglock` with `funcB` taking `dataLock`.
pub async fn threads_wronglock_fixed() {
    wronglock(1, 7, true)
}
/// 1 `funcA`, 3 `funcB`.
pub async fn threads_wronglock_3() {
    wronglock(1, 3, false)
}
