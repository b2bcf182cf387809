//! The event stream of a `coyote test` run, and the consumers that turn it into output.
//!
//! The run decides what happened (which bugs, in which order, under which file name) and
//! emits a [`RunEvent`] for each thing; the console, the progress bar, the trace writer,
//! `report.json`/`coverage.json` and JUnit are independent [`Consumer`]s of the same stream.
//!
//! Invariants: consumers see every event in emission order, each in the order they were added
//! to the [`Reporter`] (the trace writer first, the console last, so a file exists before the
//! line that names it); a consumer's error stops the run with that error; no consumer changes
//! what the run finds.

use crate::Error;
use coyote_core::coverage::Coverage;
use coyote_core::report::Report;
use coyote_core::strategy::StrategySpec;
use coyote_core::trace::{BugKind, Trace};
use std::path::Path;
use std::time::Duration;

/// Why a run stops before its iterations are done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// `--timeout`.
    TimedOut,
}

/// One thing that happened in a run.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// The run is about to start its tests.
    RunStarted {
        /// The library, as the user named it (or cargo built it).
        library: &'a Path,
        /// The tests it runs.
        tests: &'a [String],
        /// Iterations per test.
        iterations: u64,
        /// Worker processes.
        workers: u32,
        /// The strategy.
        strategy: &'a StrategySpec,
        /// The base seed.
        seed: u64,
        /// `--shard`: the shard this invocation runs, and its first worker's index in the run.
        shard: Option<(coyote_core::shard::Shard, u32)>,
    },
    /// The run removed the traces its tests left in the output directory in an earlier run.
    OldTracesRemoved {
        /// The output directory.
        out: &'a Path,
        /// How many.
        count: usize,
    },
    /// A test's workers are starting.
    TestStarted {
        /// The test.
        test: &'a str,
        /// Its iterations.
        iterations: u64,
    },
    /// Iterations the test's work shares have finished so far.
    Progress {
        /// Over all its work shares.
        iterations: u64,
    },
    /// The run stops early; `capturing` capture re-runs are let finish first.
    Stopping {
        /// Why.
        reason: StopReason,
        /// Capture re-runs still running.
        capturing: usize,
    },
    /// A worker crashed or hung; its failing iteration is re-run in a fresh worker to capture
    /// its trace.
    ShareFailed {
        /// The test.
        test: &'a str,
        /// [`BugKind::Crash`] or [`BugKind::Hang`].
        kind: BugKind,
        /// The failing iteration, in its share.
        iteration: u64,
        /// The worker index.
        worker: u32,
        /// `--iteration-timeout` (a hang's capture waits that long again).
        iteration_timeout: Duration,
    },
    /// A replacement worker goes on with a failed share's iterations (under `--explore`).
    ShareReplaced {
        /// The worker index.
        worker: u32,
        /// Where in the worker's sequence it starts.
        offset: u64,
    },
    /// Under `--explore`, a distinct bug seen for the first time; its trace file is named when
    /// the run settles.
    BugAnnounced {
        /// The test.
        test: &'a str,
        /// Its trace.
        trace: &'a Trace,
    },
    /// A settled distinct bug: the `number`-th of its test, whose trace goes to `path`.
    BugFound {
        /// The test.
        test: &'a str,
        /// 1-based, in the test.
        number: usize,
        /// Its trace, complete (library and all).
        trace: &'a Trace,
        /// Where its trace is written.
        path: &'a Path,
        /// Whether the run explores (numbers its bugs) or stopped at its first.
        explore: bool,
    },
    /// A test's run is over (its bugs are settled).
    TestFinished {
        /// The test.
        test: &'a str,
    },
    /// `--check-determinism` replayed a bug's trace twice more.
    Determinism {
        /// Its trace file's name.
        trace: &'a str,
        /// `None` when both replays failed the same way; else what happened.
        unstable: Option<&'a str>,
    },
    /// `--until-saturated`: the test went that many iterations without new coverage; its
    /// workers stop after their current iteration.
    Saturated {
        /// The test.
        test: &'a str,
        /// Iterations run, over all workers.
        iterations: u64,
        /// The iteration that found the last new coverage item.
        last_new_at: u64,
    },
    /// A test's coverage (with `--coverage`).
    Coverage {
        /// Summed over its workers.
        coverage: &'a Coverage,
    },
    /// `--minimize` shrank a bug's trace (or could not: `result` says why).
    Minimized {
        /// The bug's trace.
        trace: &'a Path,
        /// The minimised trace and its sizes, or why there is none.
        result: &'a Result<crate::Minimized, String>,
    },
    /// The run is over.
    RunFinished {
        /// Its report.
        report: &'a Report,
        /// The output directory.
        out: &'a Path,
    },
}

/// Something that turns run events into output.
pub trait Consumer {
    /// Handles one event.
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error>;
}

/// The run's consumers, in order.
#[derive(Default)]
pub struct Reporter {
    consumers: Vec<Box<dyn Consumer>>,
}

impl Reporter {
    /// Adds a consumer after the others.
    pub fn add(&mut self, consumer: impl Consumer + 'static) {
        self.consumers.push(Box::new(consumer));
    }

    /// Hands `event` to every consumer, in order.
    pub fn emit(&mut self, event: RunEvent<'_>) -> Result<(), Error> {
        for c in &mut self.consumers {
            c.on(&event)?;
        }
        Ok(())
    }
}
