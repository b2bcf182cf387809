//! `check`: run a test in-process from `cargo test`, with the same strategies and traces as the
//! CLI; `replay`: run a trace it wrote.

use crate::runner::{self, RunSpec};
use coyote_core::abi::Event;
use coyote_core::strategy::{Bounds, StrategySpec};
use coyote_core::trace::Trace;
use std::future::Future;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};
use summary::{shown_log, Summary};

mod summary;

/// Settings of [`check`]; build with [`Config::new`] and the chained setters.
#[derive(Clone, Debug)]
pub struct Config {
    iterations: u64,
    strategy: String,
    seed: u64,
    bounds: Bounds,
    step_bound_is_bug: bool,
    trace_dir: PathBuf,
    until_saturated: Option<u64>,
    regressions: Option<PathBuf>,
    monitors: Vec<MonitorDecl>,
}

/// A monitor [`Config::monitor`] registers at the start of every iteration.
#[derive(Clone, Copy)]
struct MonitorDecl {
    name: &'static str,
    register: fn(&'static Location<'static>),
    loc: &'static Location<'static>,
}

impl std::fmt::Debug for MonitorDecl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// `test`'s future, registering `monitors` first when it is first polled (before any step).
fn with_monitors<F, Fut>(test: &F, monitors: &[MonitorDecl]) -> Pin<Box<dyn Future<Output = ()>>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let fut = test();
    if monitors.is_empty() {
        return Box::pin(fut);
    }
    let monitors = monitors.to_vec();
    Box::pin(async move {
        for m in &monitors {
            (m.register)(m.loc);
        }
        fut.await
    })
}

impl Default for Config {
    fn default() -> Self {
        Config {
            iterations: from_env("COYOTE_ITERATIONS", "a number of iterations")
                .map(|n: u64| n.max(1))
                .unwrap_or(1000),
            strategy: from_env("COYOTE_STRATEGY", "a strategy such as pct:3")
                .map(|s: StrategySpec| s.to_string())
                .unwrap_or_else(|| "portfolio".into()),
            seed: from_env("COYOTE_SEED", "a number").unwrap_or(0),
            bounds: Bounds::default(),
            step_bound_is_bug: false,
            trace_dir: default_trace_dir(),
            until_saturated: None,
            regressions: None,
            monitors: Vec::new(),
        }
    }
}

/// The value of the environment variable `name`, if it is set; panics with a one-line message
/// naming the variable when it does not parse (a typo in CI should not silently test less).
fn from_env<T: std::str::FromStr>(name: &str, what: &str) -> Option<T> {
    let raw = std::env::var(name).ok()?;
    match raw.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => panic!("coyote check: {name}={raw:?} is not {what}"),
    }
}

impl Config {
    /// 1,000 iterations of the `portfolio` (worker 0's rotation, as `coyote test -j 1` runs it),
    /// seed 0, 10,000 steps per iteration. The environment can change the first three without
    /// touching the code, as `PROPTEST_CASES` does for proptest: `COYOTE_ITERATIONS`,
    /// `COYOTE_STRATEGY` and `COYOTE_SEED` set these defaults (for instance more iterations in a
    /// nightly CI job), and a setter called in the code still wins. Traces go to
    /// `$CARGO_TARGET_DIR/coyote` when that is set, else to `coyote/` in the target directory
    /// the running test binary was built in (`<target>/<profile>/deps/<test>`), else to
    /// `target/coyote` under the working directory.
    pub fn new() -> Self {
        Config::default()
    }

    /// Iterations to run.
    pub fn iterations(mut self, n: u64) -> Self {
        self.iterations = n;
        self
    }

    /// The strategy, as `--strategy` spells it (`random`, `pct:3`, `dfs`).
    pub fn strategy(mut self, s: &str) -> Self {
        self.strategy = s.into();
        self
    }

    /// The seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Registers monitor `M` at the start of every iteration, before the test's first step,
    /// as [`spec::register`](crate::spec::register) would (Coyote's `RegisterMonitor`): a
    /// monitor whose initial state is hot is checked even if no event ever reaches it. Call it
    /// once per monitor; [`Config::replay`] registers the same ones.
    #[track_caller]
    pub fn monitor<M: crate::spec::Monitor>(mut self) -> Self {
        self.monitors.push(MonitorDecl {
            name: std::any::type_name::<M>(),
            register: crate::spec::register_at::<M>,
            loc: Location::caller(),
        });
        self
    }

    /// Replays a trace written by [`check`] with this configuration's monitors (see
    /// [`replay`], which registers none): returns the failure the replay reproduced.
    ///
    /// # Panics
    /// If the trace cannot be read or the execution diverges from it.
    #[track_caller]
    pub fn replay<F, Fut>(&self, test: F, trace: impl AsRef<Path>) -> coyote_core::trace::Failure
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        replay_with(test, trace.as_ref(), &self.monitors, Location::caller())
    }

    /// Scheduling steps per iteration.
    pub fn max_steps(mut self, n: u32) -> Self {
        self.bounds.max_steps = n;
        self
    }

    /// Scheduling steps per iteration of a fair strategy (`fair-pct`, `probabilistic`, the
    /// portfolio's `fair-pct` turns), and of the fair suffix every other strategy gets while
    /// a monitor is hot at [`max_steps`](Config::max_steps) (see
    /// [`spec::Monitor`](crate::spec::Monitor)).
    pub fn max_fair_steps(mut self, n: u32) -> Self {
        self.bounds.max_fair_steps = n;
        self
    }

    /// Steps of a fair execution a monitor may stay hot without being cold before it is a
    /// liveness bug (`--liveness-threshold`; default: half of
    /// [`max_fair_steps`](Config::max_fair_steps)). Counted from the first fair step: the
    /// start for a fair strategy, [`max_steps`](Config::max_steps) for any other.
    pub fn liveness_threshold(mut self, steps: u32) -> Self {
        self.bounds.liveness_threshold = Some(steps);
        self
    }

    /// Treat hitting the step bound as a bug.
    pub fn step_bound_is_bug(mut self, yes: bool) -> Self {
        self.step_bound_is_bug = yes;
        self
    }

    /// Stop after `k` iterations in a row found no new coverage (no new scheduling point,
    /// actor state, event or transition, or monitor state), as `coyote test --until-saturated`
    /// does; the iterations set are then a ceiling. Counting coverage makes each step a
    /// little slower.
    ///
    /// ```
    /// use coyote_harness::{check, Config};
    /// check(|| async { coyote_harness::task::yield_now().await },
    ///       Config::new().iterations(1_000_000).until_saturated(50));
    /// ```
    pub fn until_saturated(mut self, k: u64) -> Self {
        self.until_saturated = Some(k.max(1));
        self
    }

    /// The folder of regression traces replayed before exploring (default:
    /// `tests/coyote-regressions/<test>/` in the package): every `*.trace` in it replays first,
    /// leniently (its decisions followed where the changed code still fits them), and the
    /// check fails if one fails again. Keep a bug's trace there once it is fixed, as proptest
    /// keeps its regressions file.
    pub fn regressions_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.regressions = Some(dir.into());
        self
    }

    /// Where bug traces are written (default: `coyote/` in cargo's target directory, see
    /// [`Config::new`]).
    pub fn trace_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.trace_dir = dir.into();
        self
    }
}

/// See [`Config::new`]. In a workspace, cargo runs tests in their package's directory, so a
/// relative `target/coyote` would land beside the package rather than in the workspace target.
fn default_trace_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("coyote");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let deps = exe.parent()?;
            (deps.file_name()? == "deps").then_some(())?;
            Some(deps.parent()?.parent()?.join("coyote"))
        })
        .unwrap_or_else(|| PathBuf::from("target/coyote"))
}

fn test_name<F>() -> String {
    // `path::to::test` for a fn item, `...::{{closure}}` for a closure: keep a file-safe name.
    let full = std::any::type_name::<F>();
    let last = full
        .rsplit("::")
        .find(|p| !p.contains('{'))
        .unwrap_or("test");
    last.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Runs `test` under the controlled executor for `config.iterations` iterations, after
/// replaying its regression traces (see [`Config::regressions_dir`]). When it passes, prints
/// one line to stderr (`cargo test -- --nocapture` shows it): `coyote: <test>: 0 bugs, 1,000
/// iterations, 734 distinct schedules, 38,112 steps, 0.21s (portfolio, seed 0)`.
///
/// # Panics
/// When a bug is found, with its description, its step log (the first and last 100 lines of a
/// longer one), the trace file written under the trace directory, and how to replay it.
#[track_caller]
pub fn check<F, Fut>(test: F, config: Config)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let name = test_name::<F>();
    let entry = Location::caller();
    let make = || (with_monitors(&test, &config.monitors), entry);
    let replay = match config.monitors.is_empty() {
        true => "coyote_harness::replay(",
        false => "<the same Config>.replay(",
    };
    let replay_line = |path: &Path| format!("replay: {replay}{name}, \"{}\")", path.display());
    check_as_file(&name, &name, &make, config.clone(), replay_line);
}

/// [`check`] of a registered test (`#[tokio::test]` through coyote-tokio): `name` as
/// `coyote list` shows it. With `COYOTE_REPLAY=<trace>` in the environment it replays that
/// trace instead (when the trace is this test's), so the replay line a failure prints is one
/// shell command.
#[doc(hidden)]
#[track_caller]
pub fn check_registered(name: &str, make: crate::runner::MakeTest) {
    if let Some(trace) = std::env::var_os("COYOTE_REPLAY") {
        let trace = PathBuf::from(trace);
        let parsed = Trace::read(&trace).unwrap_or_else(|e| panic!("coyote replay: {e}"));
        if parsed.test == name {
            let result = runner::replay(&make, &parsed, true, false, false, &[], true);
            if let Some(d) = result.divergence {
                panic!("coyote replay diverged: {d}");
            }
            match result.failure {
                Some(f) => panic!("coyote replay reproduced the failure: {f}"),
                None => panic!("coyote replay: the execution did not fail (the bug is fixed?)"),
            }
        }
        return;
    }
    let file_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let test_filter = name.rsplit("::").next().unwrap_or(name).to_string();
    check_as_file(name, &file_name, &make, Config::new(), |path| {
        format!(
            "replay: COYOTE_REPLAY={} cargo test {test_filter}",
            path.display()
        )
    });
}

/// Runs the test `make` makes as `name` (after its regression traces), with a bug's trace
/// written to `<file_name>.trace`; on a bug, panics with the failure, the log and
/// `replay_line(trace path)`; else prints its [`Summary`] line to stderr and returns it. Its
/// panics name the user's call of [`check`] (or the registered test), not this file.
#[track_caller]
fn check_as_file(
    name: &str,
    file_name: &str,
    make: &dyn Fn() -> (
        Pin<Box<dyn Future<Output = ()>>>,
        &'static Location<'static>,
    ),
    config: Config,
    replay_line: impl Fn(&Path) -> String,
) -> Summary {
    let spec: StrategySpec = config
        .strategy
        .parse()
        .unwrap_or_else(|e| panic!("coyote check: {e}"));
    let mut strategy = spec.build(config.seed, config.bounds);
    let regressions = config
        .regressions
        .clone()
        .unwrap_or_else(|| crate::regressions::default_dir(file_name));
    crate::regressions::replay_all(make, &regressions);
    let run_spec = RunSpec {
        test_name: name.to_string(),
        seed: config.seed,
        iterations: config.iterations,
        bounds: config.bounds,
        step_bound_is_bug: config.step_bound_is_bug,
        stop_on_first_bug: true,
        progress_every: Duration::from_secs(3600),
        capture_from: None,
        coverage: config.until_saturated.is_some(),
        resume_after: None,
        // Schedule hashes (one per iteration) for the summary line, coverage only if asked.
        saturation: true,
        until_saturated: config.until_saturated,
    };
    let mut bug = None;
    let mut schedules = 0u64;
    let mut emit = |e: Event| match e {
        Event::Bug { trace } => {
            bug.get_or_insert(trace);
        }
        Event::Novelty { schedules: new, .. } => schedules += new.len() as u64,
        _ => {}
    };
    let started = Instant::now();
    let result = runner::run(make, strategy.as_mut(), &run_spec, &mut emit, None);
    if let Some(trace) = bug {
        let path = config.trace_dir.join(format!("{file_name}.trace"));
        let written = std::fs::create_dir_all(&config.trace_dir)
            .and_then(|_| std::fs::write(&path, trace.to_json()));
        let where_ = match written {
            Ok(()) => format!(
                "trace: {}\n{}\nonce fixed, keep it as a regression: copy it into {}/",
                path.display(),
                replay_line(&path),
                regressions.display()
            ),
            Err(e) => format!("(could not write the trace to {}: {e})", path.display()),
        };
        panic!(
            "coyote found a bug in iteration {} ({}): {}\n{}\n{}",
            trace.iteration,
            trace.origin,
            trace.failure,
            shown_log(&trace.log),
            where_
        );
    }
    let summary = Summary {
        name: name.to_string(),
        iterations: result.iterations,
        schedules,
        capped: schedules >= runner::MAX_SCHEDULES as u64,
        steps: result.total_steps,
        step_bound_hits: result.step_bound_hits,
        elapsed: started.elapsed(),
        strategy: config.strategy,
        seed: config.seed,
        exhausted: result.exhausted,
    };
    eprintln!("{summary}");
    summary
}

/// Replays a trace written by [`check`] (or `coyote test`) against `test`, in-process, printing
/// each step to stderr. Returns the failure the replay reproduced.
///
/// # Panics
/// If the trace cannot be read or the execution diverges from it.
#[track_caller]
pub fn replay<F, Fut>(test: F, trace: impl AsRef<Path>) -> coyote_core::trace::Failure
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    replay_with(test, trace.as_ref(), &[], Location::caller())
}

#[track_caller]
fn replay_with<F, Fut>(
    test: F,
    trace: &Path,
    monitors: &[MonitorDecl],
    entry: &'static Location<'static>,
) -> coyote_core::trace::Failure
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let trace = Trace::read(trace).unwrap_or_else(|e| panic!("coyote replay: {e}"));
    let make = || (with_monitors(&test, monitors), entry);
    let result = runner::replay(&make, &trace, true, false, false, &[], true);
    if let Some(d) = result.divergence {
        panic!("coyote replay diverged: {d}");
    }
    result
        .failure
        .unwrap_or_else(|| panic!("coyote replay: the execution did not fail"))
}

#[cfg(test)]
mod tests;
