//! `fib_bench` as threads (SV-COMP `pthread/fib_bench_false-unreach-call.c`, `_true-`).
//!
//! Globals `int i = 1, j = 1`; `t1` runs `i += j` and `t2` runs `j += i`, `NUM = 5` times each;
//! `main` creates both and, without joining, checks `i >= 144 || j >= 144`. The globals are
//! plain ints written without a lock: here `AtomicI64`s accessed `Relaxed`, and each `+=` is
//! what the C compiles to, two loads and a store (three scheduling points). 144 is reached only
//! by strictly alternating the ten updates, starting with either thread, with `main`'s check
//! after all of them. `threads_fib_bench_fixed` is `fib_bench_true`: it checks `> 144`, which
//! no schedule reaches.

use coyote_harness::std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use coyote_harness::std::sync::Arc;
use coyote_harness::std::thread;

const NUM: usize = 5;

fn run(strict: bool) {
    let v = Arc::new((AtomicI64::new(1), AtomicI64::new(1)));
    let v1 = v.clone();
    let _id1 = thread::spawn(move || {
        for _ in 0..NUM {
            let (i, j) = (v1.0.load(Relaxed), v1.1.load(Relaxed));
            v1.0.store(i + j, Relaxed);
        }
    });
    let v2 = v.clone();
    let _id2 = thread::spawn(move || {
        for _ in 0..NUM {
            let (j, i) = (v2.1.load(Relaxed), v2.0.load(Relaxed));
            v2.1.store(j + i, Relaxed);
        }
    });
    let over = |x: i64| if strict { x > 144 } else { x >= 144 };
    let i = v.0.load(Relaxed);
    let reached = over(i) || over(v.1.load(Relaxed));
    assert!(!reached, "fib_bench: i or j reached 144"); // BAD
}

/// `fib_bench_false`: `main` fails when `i` or `j` reaches 144.
pub async fn threads_fib_bench() {
    run(false)
}

/// `fib_bench_true`: fails only above 144 (unreachable).
pub async fn threads_fib_bench_fixed() {
    run(true)
}
