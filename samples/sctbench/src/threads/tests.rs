//! The thread ports keep their originals' verdicts: every buggy program is found within 10,000
//! iterations of the default portfolio (seed 0), `fib_bench` through its write hand-over
//! probe, and `safestack` through its memory-state member `mff`; every fixed variant passes
//! 1,000 iterations of `random` and of `pct:3`.

use super::*;
use coyote_harness::{check, Config};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn config(strategy: &str, iterations: u64, seed: u64) -> Config {
    Config::new()
        .iterations(iterations)
        .strategy(strategy)
        .seed(seed)
        .trace_dir(std::env::temp_dir().join("coyote-sctbench-threads"))
}

/// Asserts `strategy` (seed 0) finds a bug within `iterations` whose report contains `expect`.
fn found_within<Fut>(test: fn() -> Fut, strategy: &str, iterations: u64, expect: &str)
where
    Fut: std::future::Future<Output = ()> + 'static,
{
    let result = catch_unwind(AssertUnwindSafe(|| {
        check(test, config(strategy, iterations, 0))
    }));
    let e = result.expect_err("the bug must be found");
    let msg = e
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains(expect), "expected '{expect}' in: {msg}");
}

macro_rules! found {
    ($($test:ident: $expect:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            found_within(super::$test, "portfolio", 10_000, $expect);
        }
    )*};
}

macro_rules! passes {
    ($($test:ident),* $(,)?) => {$(
        #[test]
        fn $test() {
            for s in ["random", "pct:3"] {
                check(super::$test, config(s, 1_000, 0));
            }
        }
    )*};
}

mod buggy {
    use super::*;
    found!(
        threads_account: "account: balance -1 != -5",
        threads_lazy01: "lazy01: thread3 saw data = 3",
        threads_carter01: "deadlock",
        threads_stack: "stack: underflow",
        threads_queue: "queue: dequeued",
        threads_reorder_3: "half-done set",
        threads_reorder_10: "half-done set",
        threads_reorder_20: "half-done set",
        threads_twostage: "twostage: reader saw data1 = 1 but data2 = 0",
        threads_wronglock: "wronglock: funcA",
        threads_wronglock_3: "wronglock: funcA",
    );

    /// Beyond 10,000 iterations of every scheduling strategy: found by the portfolio's
    /// memory-state member, `mff` (measured in samples/sctbench/README.md).
    #[test]
    fn threads_safestack() {
        found_within(
            super::threads_safestack,
            "portfolio",
            10_000,
            "safestack: thread",
        );
    }

    /// Beyond 10,000 iterations of every randomized strategy: found by worker 0's write
    /// hand-over probe (measured in samples/sctbench/README.md).
    #[test]
    fn threads_fib_bench() {
        found_within(super::threads_fib_bench, "portfolio", 10_000, "fib_bench");
    }
}

mod fixed {
    use super::*;
    passes!(
        threads_account_fixed,
        threads_carter01_fixed,
        threads_stack_fixed,
        threads_queue_fixed,
        threads_reorder_3_fixed,
        threads_reorder_10_fixed,
        threads_twostage_fixed,
        threads_wronglock_fixed,
        threads_fib_bench_fixed,
    );
}

#[test]
fn the_table_lists_every_thread_program_once_with_a_verdict() {
    let exported: Vec<&str> = crate::__COYOTE_TESTS.iter().map(|t| t.name).collect();
    for (name, buggy) in THREAD_PROGRAMS {
        assert!(exported.contains(name), "{name} is not exported");
        assert_eq!(*buggy, !name.ends_with("_fixed"), "{name}");
    }
    let threads = exported
        .iter()
        .filter(|n| n.starts_with("threads_"))
        .count();
    assert_eq!(threads, THREAD_PROGRAMS.len());
}
