//! Every buggy program is found within 10,000 iterations by `random` or `pct` for some seed
//! (except the two documented as beyond every strategy); every fixed variant survives 1,000
//! iterations of `random` and of `pct:3`.

use super::*;
use coyote_harness::{check, Config};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn trace_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("coyote-sctbench-tests")
}

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs `check` with `strategy` for seeds `0..4` until one finds the bug within 10,000
/// iterations; asserts that one did and that its report contains `expect`. Returns (seed,
/// iteration).
fn assert_found<F, Fut>(test: F, strategy: &str, expect: &str) -> (u64, u64)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    assert_found_within(test, strategy, expect, 10_000)
}

fn assert_found_within<F, Fut>(test: F, strategy: &str, expect: &str, iterations: u64) -> (u64, u64)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    for seed in 0..4 {
        let config = Config::new()
            .iterations(iterations)
            .strategy(strategy)
            .seed(seed)
            .trace_dir(trace_dir());
        let Err(e) = catch_unwind(AssertUnwindSafe(|| check(&test, config))) else {
            continue;
        };
        let msg = panic_text(&*e);
        assert!(msg.contains(expect), "expected '{expect}' in: {msg}");
        let iteration = msg
            .strip_prefix("coyote found a bug in iteration ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected report: {msg}"));
        return (seed, iteration);
    }
    panic!("{strategy} did not find the bug with seeds 0..4 in {iterations} iterations");
}

fn assert_passes<F, Fut>(test: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    for s in ["random", "pct:3"] {
        check(
            &test,
            Config::new()
                .iterations(1_000)
                .strategy(s)
                .trace_dir(trace_dir()),
        );
    }
}

macro_rules! found {
    ($test:ident, $strategy:literal, $expect:literal) => {
        #[test]
        fn $test() {
            assert_found(super::$test, $strategy, $expect);
        }
    };
}

macro_rules! passes {
    ($test:ident) => {
        #[test]
        fn $test() {
            assert_passes(super::$test);
        }
    };
}

mod buggy {
    use super::*;

    found!(account, "random", "account: balance");
    found!(bluetooth_driver, "random", "stopped driver");
    found!(carter01, "random", "deadlock");
    found!(circular_buffer, "random", "circular_buffer: removed");
    found!(deadlock01, "random", "deadlock");
    found!(lazy01, "random", "lazy01: thread3 saw data = 3");
    found!(queue, "random", "queue: dequeued");
    found!(reorder_3, "random", "half-done set");
    found!(reorder_4, "random", "half-done set");
    found!(reorder_5, "random", "half-done set");
    found!(reorder_10, "pct:3", "half-done set");
    found!(reorder_20, "random", "half-done set");
    found!(stack, "random", "stack: underflow");
    found!(stringbuffer, "random", "getChars srcEnd 3 > count 0");
    found!(token_ring, "random", "token_ring");
    found!(
        twostage,
        "random",
        "twostage: reader saw data1 = 1 but data2 = 0"
    );
    found!(
        twostage_100,
        "random",
        "twostage: reader saw data1 = 1 but data2 = 0"
    );
    found!(work_steal_queue, "random", "work_steal_queue: item");
    found!(wronglock, "random", "wronglock: funcA");
    found!(wronglock_3, "random", "wronglock: funcA");

    #[test]
    #[ignore = "safestack's ABA bug needs several precise preemptions among 3 threads: no strategy finds it within 10,000 iterations; random does within about 10^5 (run with --release --ignored)"]
    fn safestack() {
        assert_found_within(super::safestack, "random", "safestack: thread", 300_000);
    }

    /// Beyond 10,000 iterations of every randomized strategy (its ten updates must strictly
    /// alternate, the check after them): the default portfolio finds it through worker 0's
    /// write hand-over probe, its third iteration.
    #[test]
    fn fib_bench() {
        let (_, iteration) = assert_found(super::fib_bench, "portfolio", "fib_bench");
        assert_eq!(iteration, 2, "the third iteration, counted from 0");
    }
}

mod fixed {
    use super::*;

    passes!(account_fixed);
    passes!(bluetooth_driver_fixed);
    passes!(carter01_fixed);
    passes!(circular_buffer_fixed);
    passes!(deadlock01_fixed);
    passes!(fib_bench_fixed);
    passes!(queue_fixed);
    passes!(reorder_3_fixed);
    passes!(reorder_4_fixed);
    passes!(reorder_5_fixed);
    passes!(reorder_10_fixed);
    passes!(reorder_20_fixed);
    passes!(stack_fixed);
    passes!(stringbuffer_fixed);
    passes!(token_ring_fixed);
    passes!(twostage_fixed);
    passes!(twostage_100_fixed);
    passes!(work_steal_queue_fixed);
    passes!(wronglock_fixed);
    passes!(wronglock_3_fixed);
}

#[test]
fn the_table_lists_every_export() {
    let exported: Vec<&str> = __COYOTE_TESTS.iter().map(|t| t.name).collect();
    for p in PROGRAMS {
        assert!(exported.contains(&p.name), "{} is not exported", p.name);
        if p.fixed.is_some() {
            let fixed = format!("{}_fixed", p.name);
            assert!(
                exported.contains(&fixed.as_str()),
                "{fixed} is not exported"
            );
        }
    }
    let listed = PROGRAMS.len() + PROGRAMS.iter().filter(|p| p.fixed.is_some()).count();
    assert_eq!(
        listed + crate::THREAD_PROGRAMS.len(),
        exported.len(),
        "every export is in PROGRAMS or THREAD_PROGRAMS"
    );
    assert!(program("twostage_100").is_some());
}

/// Production mode: the fixed programs run on a real tokio runtime too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_programs_run_on_tokio() {
    for p in PROGRAMS {
        if let Some(fixed) = p.fixed {
            // The futures are not `Send`-boxed, so run each on a local set.
            let local = tokio::task::LocalSet::new();
            local.run_until(fixed()).await;
        }
    }
}

/// Every fixed variant under every strategy for 10,000 iterations (slow in debug builds: run
/// with `cargo test -p sctbench --release -- --ignored`).
#[test]
#[ignore = "thorough: 10,000 iterations of every strategy on every fixed variant"]
fn fixed_variants_thorough() {
    for p in PROGRAMS {
        let Some(fixed) = p.fixed else { continue };
        for &s in crate::STRATEGIES {
            for seed in 0..3 {
                check(
                    fixed,
                    Config::new()
                        .iterations(10_000)
                        .strategy(s)
                        .seed(seed)
                        .trace_dir(trace_dir()),
                );
            }
        }
    }
}
