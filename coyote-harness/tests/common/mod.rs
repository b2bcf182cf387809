//! Helpers shared by the harness's integration tests.

// Each test binary compiles this module and uses a subset of it.
#![allow(dead_code)]

use coyote_harness::{check, Config};
use std::future::Future;
use std::path::{Path, PathBuf};

/// Exhaustive exploration, with room for every space these tests build.
pub fn dfs() -> Config {
    Config::new().strategy("dfs").iterations(100_000)
}

/// The trace file `check` wrote into `dir` (the only file there).
pub fn written_trace(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

/// The message of a caught panic.
pub fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>().cloned().unwrap_or_default()
}

/// The report (`check`'s panic message) of the bug `check` must find in `test` under `config`;
/// panics if it passes.
pub fn bug_report<F, Fut>(config: Config, test: F) -> String
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&test, config)))
        .expect_err("a bug is found");
    panic_text(err)
}

/// The report of the deadlock one iteration of `test` must end in; panics if it passes or ends
/// in another bug.
pub fn deadlock_report<F, Fut>(test: F) -> String
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let msg = bug_report(Config::new().iterations(1), test);
    assert!(msg.contains("deadlock"), "{msg}");
    msg
}

/// Runs `future` to completion on a tokio current-thread runtime: production mode.
pub fn on_tokio<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}
