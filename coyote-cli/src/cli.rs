//! Command-line arguments (clap), parsed once into the runner's typed plans. The options and
//! their defaults are the CLI reference of the README.
//!
//! Invariant: every value is parsed and checked by its clap value parser (a [`StrategySpec`],
//! a non-zero count, a positive [`Duration`]), and the plans carry only checked values; a value
//! a parser of ours rejects is reported as one line (see [`parse::ArgError`]).

use clap::{Args, Parser, Subcommand};
use coyote_core::shard::Shard;
use coyote_core::strategy::StrategySpec;
use coyote_runner::{
    LibSource, ListPlan, MergePlan, MinimizePlan, ReplayLib, ReplayPlan, TestPlan,
};
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;
use std::time::Duration;

mod parse;
pub(crate) use parse::arg_error_line;
use parse::{at_least_one, seconds, shard, strategy};

/// Systematic concurrency testing for Rust: explore interleavings, find bugs, replay them.
#[derive(Parser, Debug)]
#[command(name = "coyote", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Colour: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorArg,
}

/// `--color`, as cargo spells it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    pub(crate) fn choice(self) -> coyote_runner::Color {
        match self {
            ColorArg::Auto => coyote_runner::Color::Auto,
            ColorArg::Always => coyote_runner::Color::Always,
            ColorArg::Never => coyote_runner::Color::Never,
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List the tests a library exports.
    List(ListArgs),
    /// Explore a library's tests and report every bug with a replayable trace.
    Test(TestArgs),
    /// Replay a trace step by step, printing the log and the failure.
    Replay(ReplayArgs),
    /// Write a self-contained HTML report of a run's output directory (summary, sequence
    /// diagrams of the bugs, state machines by coverage, saturation).
    Report(ReportArgs),
    /// Shrink a trace: fewer preemptions, steps and decisions, the same bug.
    Minimize(MinimizeArgs),
    /// Merge the folders of the shards of one run (`coyote test --shard K/N`) into the report
    /// one run would have written; exits 1 if it holds a bug.
    Merge(MergeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Internal: a worker process (started by `coyote test`).
    #[command(name = "__worker", hide = true)]
    Worker,
    /// Internal: a replay worker (started by `coyote minimize`).
    #[command(name = "__replay-worker", hide = true)]
    ReplayWorker,
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
    /// Where the library comes from: LIB, or a cargo build.
    fn source(self) -> LibSource {
        match self.path {
            Some(path) => LibSource::Path(path),
            None => LibSource::Cargo {
                package: self.package,
                release: self.release,
            },
        }
    }
}

impl ListArgs {
    pub(crate) fn plan(self) -> ListPlan {
        ListPlan {
            lib: self.lib.source(),
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
    #[arg(short, long, default_value = "10000", value_parser = at_least_one::<NonZeroU64>)]
    pub(crate) iterations: NonZeroU64,
    /// Search strategy: portfolio, random, pct:D, fair-pct:D, probabilistic:N, delay-bounding:D,
    /// idb:D, rl, pos, rff, dfs:D, dpor:P (each `:parameter` is optional).
    #[arg(long, default_value = "portfolio", value_parser = strategy)]
    pub(crate) strategy: StrategySpec,
    /// Base seed; the same seed and -j give the same result. Default: chosen at random and printed.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker processes (default: available cores).
    #[arg(short = 'j', long = "parallel", value_parser = at_least_one::<NonZeroU32>)]
    pub(crate) parallel: Option<NonZeroU32>,
    /// Scheduling steps per iteration before it is cut short.
    #[arg(long, default_value = "10000", value_parser = at_least_one::<NonZeroU32>)]
    pub(crate) max_steps: NonZeroU32,
    /// Step bound for fair strategies (fair-pct, probabilistic), and for the fair suffix (a random walk after --max-steps) every other strategy gets while a monitor is hot.
    #[arg(long, default_value_t = 100_000)]
    pub(crate) max_fair_steps: u32,
    /// Steps of a fair execution a monitor may stay hot without being cold before it is a liveness bug (default: half of --max-fair-steps).
    #[arg(long, value_name = "STEPS", value_parser = at_least_one::<NonZeroU32>)]
    pub(crate) liveness_threshold: Option<NonZeroU32>,
    /// Treat hitting the step bound as a bug (a livelock).
    #[arg(long)]
    pub(crate) step_bound_is_bug: bool,
    /// Stop testing after this many seconds (whatever was found is kept).
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub(crate) timeout: Option<Duration>,
    /// A single iteration running longer than this is a hang bug.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub(crate) iteration_timeout: Duration,
    /// Output directory for traces and reports (default: `coyote/` in the cargo workspace's
    /// target directory, `coyote-out/` outside a cargo project). A run first removes the traces
    /// its tests left there before.
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
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
    /// Also write report.html, a self-contained HTML report (implies --coverage).
    #[arg(long)]
    pub(crate) html: bool,
    /// Stop a test after K iterations in a row found no new coverage (no new scheduling point,
    /// actor state, event or transition, or monitor state); implies --coverage.
    #[arg(long, value_name = "K", value_parser = at_least_one::<NonZeroU64>)]
    pub(crate) until_saturated: Option<NonZeroU64>,
    /// Minimise each bug's trace as `coyote minimize` does: `<test>-<n>.min.trace` beside it,
    /// with fewer preemptions and steps and the same bug.
    #[arg(long)]
    pub(crate) minimize: bool,
    /// Run shard K of N (numbered from 1) of this run: with the same --seed, -i and -j, the N
    /// shards together run what one run with N times the workers would. `auto` reads it from
    /// COYOTE_SHARD_INDEX/COYOTE_SHARD_COUNT, a Slurm job array, or a Kubernetes Indexed Job.
    /// Output: target/coyote/shard-K-of-N unless -o says otherwise; `coyote merge` joins them.
    #[arg(long, value_name = "K/N|auto", value_parser = shard, requires = "seed")]
    pub(crate) shard: Option<ShardArg>,
    /// With `--shard auto` in a Kubernetes Indexed Job: how many shards (the Job's
    /// completions); default: COYOTE_SHARD_COUNT.
    #[arg(long, value_name = "N", value_parser = at_least_one::<NonZeroU32>)]
    pub(crate) shard_count: Option<NonZeroU32>,
}

/// `--shard`: a fixed shard, or one the environment names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShardArg {
    Fixed(Shard),
    Auto,
}

#[derive(Args, Debug)]
pub(crate) struct MergeArgs {
    /// The shards' output folders (each with the report.json `coyote test --shard` wrote).
    #[arg(value_name = "DIR", required = true)]
    pub(crate) dirs: Vec<PathBuf>,
    /// The merged folder: report.json, coverage.json, the traces, junit.xml and report.html.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) out: PathBuf,
    /// Print the merged report.json to stdout instead of the human summary.
    #[arg(long)]
    pub(crate) json: bool,
}

impl MergeArgs {
    pub(crate) fn plan(self) -> MergePlan {
        MergePlan {
            dirs: self.dirs,
            out: self.out,
            json: self.json,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// The output directory of a `coyote test` run (with its report.json and traces).
    #[arg(value_name = "OUT_DIR")]
    pub(crate) dir: PathBuf,
    /// Where to write the HTML file (default: OUT_DIR/report.html).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The trace file (`target/coyote/<test>-<n>.trace`), or a folder of traces to replay as a
    /// regression suite (exit 1 if one still fails, 2 if one diverged, 0 if all are fixed).
    #[arg(value_name = "TRACE|DIR")]
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
    /// How long a hang trace's replay runs before it counts as the hang reproduced (default:
    /// the --iteration-timeout of the run that recorded it).
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub(crate) hang_timeout: Option<Duration>,
    /// Internal: replay in this process even for crash and hang traces.
    #[arg(long, hide = true)]
    pub(crate) in_process: bool,
    /// Internal: print the verdict only.
    #[arg(long, hide = true)]
    pub(crate) quiet: bool,
}

#[derive(Args, Debug)]
pub(crate) struct MinimizeArgs {
    /// The trace file to shrink.
    pub(crate) trace: PathBuf,
    /// Where to write the smaller trace (default: `<trace>.min.trace` beside it).
    #[arg(short, long, value_name = "OUT")]
    pub(crate) out: Option<PathBuf>,
    /// The library to replay against (default: the one recorded in the trace, if its hash matches).
    #[arg(long)]
    pub(crate) lib: Option<PathBuf>,
    /// Build this package of the workspace with cargo and replay against its cdylib.
    #[arg(short = 'p', long, value_name = "NAME", conflicts_with = "lib")]
    pub(crate) package: Option<String>,
    /// With --package: build with cargo's release profile.
    #[arg(long, requires = "package")]
    pub(crate) release: bool,
    /// Worker processes replaying candidates (default: available cores).
    #[arg(short = 'j', long = "parallel", value_parser = at_least_one::<NonZeroU32>)]
    pub(crate) parallel: Option<NonZeroU32>,
    /// A candidate replaying longer than this is rejected.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub(crate) timeout: Duration,
}

impl MinimizeArgs {
    pub(crate) fn plan(self) -> MinimizePlan {
        MinimizePlan {
            lib: replay_lib(self.lib, self.package, self.release),
            trace: self.trace,
            out: self.out,
            parallel: self.parallel,
            timeout: self.timeout,
        }
    }
}

/// The library of a replay or minimisation: `--lib`, `-p`, or the one recorded.
fn replay_lib(lib: Option<PathBuf>, package: Option<String>, release: bool) -> ReplayLib {
    match (lib, package) {
        (Some(path), _) => ReplayLib::Given(LibSource::Path(path)),
        (None, Some(package)) => ReplayLib::Given(LibSource::Cargo {
            package: Some(package),
            release,
        }),
        (None, None) => ReplayLib::Recorded,
    }
}

impl TestArgs {
    /// The plan; `--shard auto` is resolved from the environment here (a bad or missing one is
    /// bad input).
    pub(crate) fn plan(self) -> Result<TestPlan, coyote_runner::Error> {
        let shard = match self.shard {
            None => None,
            Some(ShardArg::Fixed(s)) => Some(s),
            Some(ShardArg::Auto) => Some(
                Shard::from_env(
                    |k| std::env::var(k).ok(),
                    self.shard_count.map(NonZeroU32::get),
                )
                .map_err(|e| coyote_runner::Error::BadInput(e.to_string()))?,
            ),
        };
        let out = match (self.out, shard) {
            (Some(out), Some(s)) => {
                refuse_another_shards_folder(&out, s)?;
                out
            }
            (Some(out), None) => out,
            (None, Some(s)) => coyote_runner::default_out_dir().join(s.dir_name()),
            (None, None) => coyote_runner::default_out_dir(),
        };
        Ok(TestPlan {
            lib: self.lib.source(),
            tests: self.tests,
            iterations: self.iterations,
            strategy: self.strategy,
            seed: self.seed,
            parallel: self.parallel,
            max_steps: self.max_steps,
            max_fair_steps: self.max_fair_steps,
            liveness_threshold: self.liveness_threshold.map(NonZeroU32::get),
            step_bound_is_bug: self.step_bound_is_bug,
            timeout: self.timeout,
            iteration_timeout: self.iteration_timeout,
            out,
            explore: self.explore,
            coverage: self.coverage,
            junit: self.junit,
            json: self.json,
            check_determinism: self.check_determinism,
            allow_real_clock: self.allow_real_clock,
            until_saturated: self.until_saturated,
            html: self.html,
            minimize: self.minimize,
            shard,
        })
    }
}

impl ReplayArgs {
    pub(crate) fn plan(self) -> ReplayPlan {
        let lib = match (self.lib, self.package) {
            (Some(path), _) => ReplayLib::Given(LibSource::Path(path)),
            (None, Some(package)) => ReplayLib::Given(LibSource::Cargo {
                package: Some(package),
                release: self.release,
            }),
            (None, None) => ReplayLib::Recorded,
        };
        ReplayPlan {
            trace: self.trace,
            lib,
            break_before_failure: self.break_,
            verbose: self.verbose,
            in_process: self.in_process,
            quiet: self.quiet,
            hang_timeout: self.hang_timeout,
        }
    }
}

#[cfg(test)]
mod tests;

/// A shard given `-o DIR` must not write over another shard's output there (shards of one run
/// started on one machine with the same `-o` would silently keep only the last one's bugs).
fn refuse_another_shards_folder(
    out: &std::path::Path,
    s: Shard,
) -> Result<(), coyote_runner::Error> {
    let Ok(text) = std::fs::read_to_string(out.join("report.json")) else {
        return Ok(());
    };
    let Some(other) = coyote_core::report::Report::from_json(&text)
        .ok()
        .and_then(|r| r.shard)
        .map(|r| r.shard())
    else {
        return Ok(());
    };
    if other == s {
        return Ok(());
    }
    Err(coyote_runner::Error::BadInput(format!(
        "{} holds the output of shard {other}: give each shard its own -o folder (without -o, shard {s} writes {})",
        out.display(),
        coyote_runner::default_out_dir().join(s.dir_name()).display()
    )))
}
