//! Command-line arguments (clap). The options and their defaults are the contract in DESIGN.md.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Systematic concurrency testing for Rust: explore interleavings, find bugs, replay them.
#[derive(Parser, Debug)]
#[command(name = "coyote", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List the tests a library exports.
    List(ListArgs),
    /// Explore a library's tests and report every bug with a replayable trace.
    Test(TestArgs),
    /// Replay a trace step by step, printing the log and the failure.
    Replay(ReplayArgs),
    /// Internal: a worker process (started by `coyote test`).
    #[command(name = "__worker", hide = true)]
    Worker,
}

#[derive(Args, Debug)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) lib: LibArgs,
}

/// Which test library: a path, or a cargo package to build.
#[derive(Args, Debug, Clone)]
pub(crate) struct LibArgs {
    /// The test library (a cdylib built with coyote_harness::export_tests!). Without it, cargo
    /// builds the package given by --package, else the one in the current directory, else the
    /// workspace's only cdylib package, and its cdylib is used.
    #[arg(value_name = "LIB")]
    pub(crate) path: Option<PathBuf>,
    /// Build this package of the workspace with cargo and use its cdylib.
    #[arg(short = 'p', long, value_name = "NAME", conflicts_with = "path")]
    pub(crate) package: Option<String>,
    /// Build with cargo's release profile (without LIB only).
    #[arg(long, conflicts_with = "path")]
    pub(crate) release: bool,
}

impl LibArgs {
    /// The library's path: LIB, or what cargo built.
    pub(crate) fn resolve(&self) -> Result<PathBuf, crate::cargo::CargoError> {
        match &self.path {
            Some(path) => Ok(path.clone()),
            None => crate::cargo::build_library(self.package.as_deref(), self.release),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub(crate) struct TestArgs {
    #[command(flatten)]
    pub(crate) lib: LibArgs,
    /// Run only this test (repeatable; `*` matches any run of characters, as in 'account_*');
    /// default: every exported test.
    #[arg(long = "test", value_name = "NAME")]
    pub(crate) tests: Vec<String>,
    /// Iterations per test, over all workers.
    #[arg(short, long, default_value_t = 10_000)]
    pub(crate) iterations: u64,
    /// Search strategy: portfolio, random, pct:D, fair-pct:D, probabilistic:N, delay-bounding:D,
    /// idb:D, rl, pos, dfs:D (each `:parameter` is optional).
    #[arg(long, default_value = "portfolio")]
    pub(crate) strategy: String,
    /// Base seed; the same seed and -j give the same result. Default: chosen at random and printed.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker processes (default: available cores).
    #[arg(short = 'j', long = "parallel")]
    pub(crate) parallel: Option<u32>,
    /// Scheduling steps per iteration before it is cut short.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) max_steps: u32,
    /// Step bound for fair strategies (fair-pct, probabilistic); a monitor hot for half as many steps in them is a liveness bug.
    #[arg(long, default_value_t = 100_000)]
    pub(crate) max_fair_steps: u32,
    /// Treat hitting the step bound as a bug (a livelock).
    #[arg(long)]
    pub(crate) step_bound_is_bug: bool,
    /// Stop testing after this many seconds (whatever was found is kept).
    #[arg(long, value_name = "SECS")]
    pub(crate) timeout: Option<f64>,
    /// A single iteration running longer than this is a hang bug.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub(crate) iteration_timeout: f64,
    /// Output directory for traces and reports.
    #[arg(short, long, default_value = "coyote-out")]
    pub(crate) out: PathBuf,
    /// Keep exploring after the first bug; report each distinct bug once.
    #[arg(long)]
    pub(crate) explore: bool,
    /// Write coverage.json: scheduling points by source line, and actors' events, states and
    /// transitions (with the declared states never entered).
    #[arg(long)]
    pub(crate) coverage: bool,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Print report.json to stdout instead of the human summary.
    #[arg(long)]
    pub(crate) json: bool,
    /// Replay each bug's trace twice more and say whether it is stable.
    #[arg(long)]
    pub(crate) check_determinism: bool,
    /// Let controlled tasks read the real clock (log timestamps) instead of reporting it as an
    /// uncontrolled bug; real sleeps are still reported. Recorded in traces.
    #[arg(long)]
    pub(crate) allow_real_clock: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The trace file (`coyote-out/<test>-<n>.trace`).
    pub(crate) trace: PathBuf,
    /// The library to replay against (default: the one recorded in the trace, if its hash matches).
    #[arg(long)]
    pub(crate) lib: Option<PathBuf>,
    /// Build this package of the workspace with cargo and replay against its cdylib (a trace
    /// from CI, replayed on your machine).
    #[arg(short = 'p', long, value_name = "NAME", conflicts_with = "lib")]
    pub(crate) package: Option<String>,
    /// With --package: build with cargo's release profile.
    #[arg(long, requires = "package")]
    pub(crate) release: bool,
    /// Stop before the failing step, calling `coyote_breakpoint` (run under a debugger).
    #[arg(long = "break")]
    pub(crate) break_: bool,
    /// Print each step as it runs.
    #[arg(long)]
    pub(crate) verbose: bool,
    /// Internal: replay in this process even for crash and hang traces.
    #[arg(long, hide = true)]
    pub(crate) in_process: bool,
}
