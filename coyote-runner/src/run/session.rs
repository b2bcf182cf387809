//! The session: everything one `coyote test` invocation shares across its tests (the plan, the
//! library, the resolved seed and worker count, the stop flags, the event stream).
//!
//! Invariant: `interrupted` and `timed_out` only go from false to true; once either is set no
//! new work share starts (replacements included).

use crate::events::Reporter;
use crate::plan::TestPlan;
use coyote_core::trace::LibraryRef;
#[cfg(test)]
use coyote_core::trace::{BugKind, Trace};
use std::path::PathBuf;
use std::time::Instant;

/// Everything one `coyote test` invocation shares across its tests.
pub(crate) struct Session<'a> {
    pub(crate) plan: &'a TestPlan,
    pub(crate) lib_path: PathBuf,
    pub(crate) lib_ref: LibraryRef,
    /// The harness version the library was built with (recorded in captured traces).
    pub(crate) harness_version: String,
    pub(crate) seed: u64,
    /// Worker processes of this invocation.
    pub(crate) workers: u32,
    /// The index, in the whole run, of this invocation's first worker (not 0 for a shard
    /// after the first: see [`coyote_core::shard`]).
    pub(crate) first_worker: u32,
    /// Workers of the whole run, over every shard.
    pub(crate) total_workers: u32,
    pub(crate) tmp: PathBuf,
    pub(crate) started: Instant,
    pub(crate) interrupted: bool,
    pub(crate) timed_out: bool,
    pub(crate) reporter: Reporter,
}

impl Session<'_> {
    /// Whether the run is stopping early (Ctrl-C, `--timeout`).
    pub(crate) fn cut_short(&self) -> bool {
        self.interrupted || self.timed_out
    }
}

/// A trace for the run's unit tests: a bug of `kind` at `iteration`.
#[cfg(test)]
pub(crate) fn test_trace(iteration: u64, kind: BugKind, message: &str) -> Trace {
    let failure = coyote_core::trace::Failure::new(kind, message);
    let origin = coyote_core::trace::Origin::strategy("portfolio", 1);
    Trace {
        steps: 1,
        ..Trace::new("t", origin, iteration, 10_000, &[], failure)
    }
}
