//! Helpers shared by the harness's integration tests.

// Each test binary compiles this module and uses a subset of it.
#![allow(dead_code)]

use coyote_harness::Config;
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
