//! Helpers of the `std_*` test files (ports of shuttle's and loom's thread tests): the two
//! verdicts an original test has, "passes every schedule" and "a bug must be found".

// Each test binary compiles this module and uses a subset of it.
#![allow(dead_code)]

use coyote_harness::{check, Config};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

/// The cap on schedules for [`every_schedule`]: a test whose space is larger fails.
pub const CAP: u64 = 200_000;

/// Runs `body` under `dfs` until its schedule space is exhausted, and returns how many
/// schedules that took. Panics if a schedule fails (with the bug's report) or if the space is
/// not exhausted within [`CAP`] schedules (then "every schedule" would be a claim not checked).
#[track_caller]
pub fn every_schedule<F>(body: F) -> u64
where
    F: Fn() + Clone + 'static,
{
    let runs: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    check(
        move || {
            let body = body.clone();
            runs.fetch_add(1, Ordering::Relaxed);
            async move { body() }
        },
        Config::new().strategy("dfs").iterations(CAP),
    );
    let n = runs.load(Ordering::Relaxed);
    assert!(n < CAP, "dfs did not exhaust the schedules within {CAP}");
    n
}

/// The report of the bug `check` must find in `body` under `config`; panics if every
/// iteration passes.
#[track_caller]
pub fn bug_in<F>(config: Config, body: F) -> String
where
    F: Fn() + Clone + 'static,
{
    let test = move || {
        let body = body.clone();
        async move { body() }
    };
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&test, config)))
        .expect_err("a bug is found");
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

/// A bug the default portfolio (1,000 iterations, as `coyote test` runs one worker) must find;
/// returns its report after checking it contains `expect`.
#[track_caller]
pub fn bug_found<F>(expect: &str, body: F) -> String
where
    F: Fn() + Clone + 'static,
{
    let portfolio = bug_in(Config::new(), body);
    assert!(
        portfolio.contains(expect),
        "the portfolio found another bug: {portfolio}"
    );
    portfolio
}

/// [`bug_found`], and `dfs` finds it too (within [`CAP`] schedules).
#[track_caller]
pub fn bug_found_by_both<F>(expect: &str, body: F) -> String
where
    F: Fn() + Clone + 'static,
{
    let dfs = bug_in(Config::new().strategy("dfs").iterations(CAP), body.clone());
    assert!(dfs.contains(expect), "dfs found another bug: {dfs}");
    bug_found(expect, body)
}

/// For spaces `dfs` does not exhaust quickly: passes 5,000 `dfs` schedules and 2,000 of the
/// default portfolio (a bounded verdict, said as such in docs/std-sync.md).
#[track_caller]
pub fn passes_bounded<F>(body: F)
where
    F: Fn() + Clone + 'static,
{
    let b = body.clone();
    check(
        move || {
            let b = b.clone();
            async move { b() }
        },
        Config::new().strategy("dfs").iterations(5_000),
    );
    check(
        move || {
            let body = body.clone();
            async move { body() }
        },
        Config::new().iterations(2_000),
    );
}

/// A future of the body, for APIs that take a test function.
pub fn as_test<F: Fn() + Clone + 'static>(
    body: F,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()>>> {
    move || {
        let body = body.clone();
        Box::pin(async move { body() })
    }
}
