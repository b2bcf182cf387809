//! The CS programs whose shared data is all under mutexes, as threads: `account`, `lazy01`,
//! `carter01`, `stack` (SCTBench `concurrent-software-benchmarks/*_bad.c`).
//!
//! Each global lives inside the `Mutex` that protects it in the C program, so only the lock
//! operations (and joins) are scheduling points, as in the originals. The bugs are the task
//! ports' (`crate::account`, `crate::lazy01`, `crate::carter01`, `crate::stack`).

use super::{join_all, lock};
use coyote_harness::std::sync::{Arc, Mutex};
use coyote_harness::std::thread;

const X: i32 = 1;
const Y: i32 = 2;
const Z: i32 = 4;

/// `account`: the checker (created first) expects `(x - y) - z` once deposit and withdrawal
/// are done; the balance is `(x + y) - z` (`account_ok` expects that). As in the C program,
/// `main` does not join.
fn account(fixed: bool) {
    // (balance, deposit_done, withdraw_done)
    let m = Arc::new(Mutex::new((X, false, false)));
    let m3 = m.clone();
    thread::spawn(move || {
        let a = lock(&m3);
        if a.1 && a.2 {
            let expected = if fixed { (X + Y) - Z } else { (X - Y) - Z };
            assert!(a.0 == expected, "account: balance {} != {expected}", a.0); // BAD
        }
    });
    let m1 = m.clone();
    thread::spawn(move || {
        let mut a = lock(&m1);
        a.0 += Y;
        a.1 = true;
    });
    thread::spawn(move || {
        let mut a = lock(&m);
        a.0 -= Z;
        a.2 = true;
    });
}

/// The checker's expectation is wrong.
pub async fn threads_account() {
    account(false)
}
/// `account_ok`.
pub async fn threads_account_fixed() {
    account(true)
}

/// `lazy01`: `thread1` adds 1, `thread2` adds 2, `thread3` asserts `data < 3`, all under one
/// mutex; `main` joins them.
pub async fn threads_lazy01() {
    let data = Arc::new(Mutex::new(0i32));
    let d = data.clone();
    let t1 = thread::spawn(move || *lock(&d) += 1);
    let d = data.clone();
    let t2 = thread::spawn(move || *lock(&d) += 2);
    let t3 = thread::spawn(move || {
        let d = lock(&data);
        assert!(*d < 3, "lazy01: thread3 saw data = {}", *d); // BAD
    });
    join_all(vec![t1, t2, t3]);
}

/// `carter01`: a class's first member locks `l` while holding the counters' mutex `m`, the
/// last one unlocks it; the fix counts each class under its own mutex (a lightswitch).
fn carter01(fixed: bool) {
    let l = Arc::new(Mutex::new(()));
    // carter01: the counters `[A, B]` under one mutex `m`; the fix: one mutex per class.
    let m = Arc::new(Mutex::new([0i32; 2]));
    let per_class = [
        Arc::new(Mutex::new([0i32; 2])),
        Arc::new(Mutex::new([0i32; 2])),
    ];
    let member = |class: usize| {
        let l = l.clone();
        let m = if fixed {
            per_class[class].clone()
        } else {
            m.clone()
        };
        thread::spawn(move || {
            let mut held = None;
            {
                let mut c = lock(&m);
                c[class] += 1;
                if c[class] == 1 {
                    held = Some(lock(&l)); // BAD (carter01): blocks holding `m`
                }
            }
            // the class's operation
            let mut c = lock(&m);
            c[class] -= 1;
            if c[class] == 0 {
                drop(held.take());
            }
        })
    };
    let a1 = member(0);
    let b1 = member(1);
    let a2 = thread::spawn(|| {});
    let b2 = thread::spawn(|| {});
    join_all(vec![a1, b1, a2, b2]);
}

/// Can deadlock.
pub async fn threads_carter01() {
    carter01(false)
}
/// Per-class counter mutexes.
pub async fn threads_carter01_fixed() {
    carter01(true)
}

const SIZE: usize = 10;

/// `stack`: `t1` pushes 0..10 under the lock and sets `flag` after each push; `t2` pops under
/// the lock, 10 times, whenever `flag` is set, and asserts no underflow. `flag` is never
/// cleared (`stack_ok`: pop only a non-empty stack).
fn stack(fixed: bool) {
    // (top, arr, flag)
    let m = Arc::new(Mutex::new((0usize, [0u32; SIZE], false)));
    let m1 = m.clone();
    let id1 = thread::spawn(move || {
        for i in 0..SIZE as u32 {
            let mut s = lock(&m1);
            assert!(s.0 < SIZE, "stack: overflow");
            let top = s.0;
            s.1[top] = i;
            s.0 += 1;
            s.2 = !fixed;
        }
    });
    let id2 = thread::spawn(move || {
        for _ in 0..SIZE {
            let mut s = lock(&m);
            if (fixed && s.0 > 0) || (!fixed && s.2) {
                assert!(s.0 > 0, "stack: underflow"); // BAD
                s.0 -= 1;
            }
        }
    });
    join_all(vec![id1, id2]);
}

/// `t2` can pop an empty stack.
pub async fn threads_stack() {
    stack(false)
}
/// `stack_ok`.
pub async fn threads_stack_fixed() {
    stack(true)
}
