//! The typed plans the `coyote` binary hands the runner: every option parsed and validated once
//! (strategy specs, non-zero counts, durations), so nothing downstream re-parses a string or
//! re-checks a bound.
//!
//! Invariant: a plan holds only values the runner accepts; what can still be wrong (a path, a
//! test name, an unwritable directory) is found when the plan runs, and is [`Error::BadInput`](crate::Error::BadInput).

use coyote_core::strategy::{Bounds, StrategySpec};
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;
use std::time::Duration;

/// Where the test library comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibSource {
    /// A cdylib file.
    Path(PathBuf),
    /// Build a cargo package (the named one, else the one meant here; see the `cargo` module)
    /// and use its cdylib.
    Cargo {
        /// `--package`.
        package: Option<String>,
        /// `--release`.
        release: bool,
    },
}

impl LibSource {
    /// The library's path: the file, or what cargo built.
    pub fn resolve(&self) -> Result<PathBuf, crate::cargo::CargoError> {
        match self {
            LibSource::Path(path) => Ok(path.clone()),
            LibSource::Cargo { package, release } => {
                crate::cargo::build_library(package.as_deref(), *release)
            }
        }
    }
}

/// `coyote list`.
#[derive(Clone, Debug)]
pub struct ListPlan {
    /// The library.
    pub lib: LibSource,
}

/// `coyote test`.
#[derive(Clone, Debug)]
pub struct TestPlan {
    /// The library.
    pub lib: LibSource,
    /// Test names and `*` patterns to run; empty: every exported test.
    pub tests: Vec<String>,
    /// Iterations per test, over all workers.
    pub iterations: NonZeroU64,
    /// The search strategy.
    pub strategy: StrategySpec,
    /// The base seed; `None`: chosen at random (and printed).
    pub seed: Option<u64>,
    /// Worker processes; `None`: the available cores.
    pub parallel: Option<NonZeroU32>,
    /// `--max-steps`.
    pub max_steps: NonZeroU32,
    /// `--max-fair-steps`.
    pub max_fair_steps: u32,
    /// `--liveness-threshold` (`None`: half of `max_fair_steps`).
    pub liveness_threshold: Option<u32>,
    /// Treat hitting the step bound as a bug.
    pub step_bound_is_bug: bool,
    /// Stop testing after this long.
    pub timeout: Option<Duration>,
    /// A single iteration running longer than this is a hang bug.
    pub iteration_timeout: Duration,
    /// The output directory.
    pub out: PathBuf,
    /// Keep exploring after the first bug.
    pub explore: bool,
    /// Write `coverage.json`.
    pub coverage: bool,
    /// Also write a JUnit XML report here.
    pub junit: Option<PathBuf>,
    /// Print `report.json` to stdout instead of the human summary.
    pub json: bool,
    /// Replay each bug's trace twice more and say whether it is stable.
    pub check_determinism: bool,
    /// Let controlled tasks read the real clock.
    pub allow_real_clock: bool,
    /// `--until-saturated K`: stop a test after K iterations in a row found no new coverage
    /// (it implies coverage).
    pub until_saturated: Option<NonZeroU64>,
    /// `--html`: also write the self-contained HTML report (it implies coverage).
    pub html: bool,
    /// Minimise each bug's trace (`<test>-<n>.min.trace` beside it).
    pub minimize: bool,
    /// `--shard K/N`: run only this shard of the run (see [`coyote_core::shard`]); it needs
    /// a `seed`.
    pub shard: Option<coyote_core::shard::Shard>,
}

impl TestPlan {
    /// Whether coverage is counted: `--coverage`, or what needs it (`--until-saturated`,
    /// `--html`).
    pub fn counts_coverage(&self) -> bool {
        self.coverage || self.until_saturated.is_some() || self.html
    }

    /// The step bounds of every iteration.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            max_steps: self.max_steps.get(),
            max_fair_steps: self.max_fair_steps,
            liveness_threshold: self.liveness_threshold,
        }
    }
}

/// `coyote minimize`.
#[derive(Clone, Debug)]
pub struct MinimizePlan {
    /// The trace file.
    pub trace: PathBuf,
    /// The library.
    pub lib: ReplayLib,
    /// Where to write the minimised trace; `None`: `<stem>.min.trace` beside it.
    pub out: Option<PathBuf>,
    /// Worker processes; `None`: the available cores.
    pub parallel: Option<NonZeroU32>,
    /// A candidate replaying longer than this is rejected.
    pub timeout: Duration,
}

/// Which library `coyote replay` replays against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayLib {
    /// The one the trace records, if its hash still matches.
    Recorded,
    /// This one (a warning if its hash differs from the trace's).
    Given(LibSource),
}

/// `coyote replay`.
#[derive(Clone, Debug)]
pub struct ReplayPlan {
    /// The trace file.
    pub trace: PathBuf,
    /// The library.
    pub lib: ReplayLib,
    /// Stop before the failing step, calling `coyote_breakpoint`.
    pub break_before_failure: bool,
    /// Print each step as it runs.
    pub verbose: bool,
    /// Replay in this process even for crash and hang traces.
    pub in_process: bool,
    /// Print the verdict only (no header, no step log).
    pub quiet: bool,
    /// How long a hang trace's replay runs before it counts as the hang reproduced; `None`: the
    /// recording run's `--iteration-timeout` (10 seconds for older traces).
    pub hang_timeout: Option<Duration>,
}
