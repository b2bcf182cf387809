//! `fib_bench`, from the CS suite as it appears in SV-COMP (`pthread/fib_bench_false-unreach-call.c`
//! and `fib_bench_true-unreach-call.c`; not part of SCTBench's buggy set).
//!
//! Two threads grow a shared Fibonacci pair: `t1` does `i += j` and `t2` does `j += i`, `NUM`
//! times each (`NUM = 5`; SV-COMP's `fib_bench_longer` and `_longest` use 6 and 11, see
//! [`fib_bench_with`]). `main` starts both and, *without joining*, checks `i >= 144 || j >= 144`
//! and fails if so. 144 = F(12) is the largest value reachable, and only by the schedule that
//! strictly alternates the ten updates (every other order loses growth), with `main`'s check
//! after all of them. Each `+=` is a load of both variables and a store (three scheduling
//! points), so the bug needs about ten context switches at exact places: a random walk hits it
//! with probability far below 10^-4 per iteration, PCT needs a depth of about 10, and exhaustive
//! search needs far more than 10,000 schedules. Measured in `bench-bugs` (20 seeds, 10,000
//! iterations): only `rl` found it, for 1 seed of 20 (iteration 2258); every other strategy
//! and shuttle found it for none. With seeds 1 to 3 and 200,000 iterations, nothing found it.
//! **The unit test is ignored**. The default portfolio finds it with `-j 2`: worker 1's write
//! hand-over probe (each task keeps the turn until it writes, the body runs last) is exactly
//! this schedule (e2e `std_samples::the_default_portfolio_finds_fib_bench_...`).
//!
//! `fib_bench_fixed` is SV-COMP's `fib_bench_true`: it checks `i > 144 || j > 144`, which no
//! schedule reaches.

use crate::shared::Shared;
use coyote_harness::task;
use std::sync::Arc;

/// Runs the program with `num` updates per thread; the check fails at `bound` (or above it,
/// when `strict`).
pub async fn fib_bench_with(num: usize, bound: i64, strict: bool) {
    let v = Arc::new((Shared::new(1i64), Shared::new(1i64)));
    let id1 = {
        let v = v.clone();
        task::spawn(async move {
            for _ in 0..num {
                let i = v.0.load().await;
                let j = v.1.load().await;
                v.0.store(i + j).await;
            }
        })
    };
    let id2 = {
        let v = v.clone();
        task::spawn(async move {
            for _ in 0..num {
                let j = v.1.load().await;
                let i = v.0.load().await;
                v.1.store(j + i).await;
            }
        })
    };
    let over = |x: i64| if strict { x > bound } else { x >= bound };
    let i = v.0.load().await;
    let reached = over(i) || over(v.1.load().await);
    assert!(!reached, "fib_bench: i or j reached {bound}"); // BAD
    drop((id1, id2)); // no join, as in the C program
}

/// `NUM = 5`; fails when `i` or `j` reaches 144.
pub async fn fib_bench() {
    fib_bench_with(5, 144, false).await
}

/// `fib_bench_true`: fails only above 144, which is unreachable.
pub async fn fib_bench_fixed() {
    fib_bench_with(5, 144, true).await
}
