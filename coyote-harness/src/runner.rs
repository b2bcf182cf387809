//! Runs iterations of one test under one strategy and turns outcomes into events, traces and a
//! [`RunResult`]. Shared by the C ABI (`coyote test` workers) and [`crate::check`].
//!
//! Invariant: every bug is emitted (with its full trace) the moment its iteration ends, before
//! the next iteration starts, so a crash later in the run never loses it. The saturation signal
//! ([`novelty`]) is computed once per iteration, after it ends, and sent right before each
//! progress event.

mod novelty;
mod replay;
mod restart;

pub(crate) use novelty::MAX_SCHEDULES;
pub(crate) use replay::replay;

use crate::rt::{Executor, IterationOutcome};
use coyote_core::abi::{Event, ResumeAfter, RunResult};
use coyote_core::strategy::{Bounds, FairSuffix, IterationEnd, Strategy};
use coyote_core::trace::{BugKind, Failure, Origin, Trace};
use std::collections::HashSet;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A test entry point as `export_tests!` registers it.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Test {
    /// The name `coyote list` shows.
    pub name: &'static str,
    /// Makes the test's future, and the source location of its registration.
    pub make: MakeTest,
}

/// Makes a test's future, with the source location it was registered at.
#[doc(hidden)]
pub type MakeTest = fn() -> (
    Pin<Box<dyn Future<Output = ()>>>,
    &'static Location<'static>,
);

/// What to run.
pub(crate) struct RunSpec {
    pub(crate) test_name: String,
    pub(crate) seed: u64,
    pub(crate) iterations: u64,
    pub(crate) bounds: Bounds,
    pub(crate) step_bound_is_bug: bool,
    pub(crate) stop_on_first_bug: bool,
    pub(crate) progress_every: Duration,
    pub(crate) capture_from: Option<u64>,
    pub(crate) coverage: bool,
    pub(crate) resume_after: Option<ResumeAfter>,
    /// Track coverage growth and send it as `novelty` events.
    pub(crate) saturation: bool,
    /// Stop once this many iterations in a row found no new coverage item (`check`).
    pub(crate) until_saturated: Option<u64>,
}

/// The counters a worker's parent watches: the heartbeat (incremented as each iteration
/// starts) and, when the request says so, a stop word (not 0: stop after this iteration).
#[derive(Clone, Copy)]
pub(crate) struct Beat<'a> {
    pub(crate) heartbeat: &'a AtomicU64,
    pub(crate) stop: Option<&'a AtomicU64>,
}

type MakeFuture<'a> = &'a dyn Fn() -> (
    Pin<Box<dyn Future<Output = ()>>>,
    &'static Location<'static>,
);

pub(crate) fn run(
    make: MakeFuture<'_>,
    strategy: &mut dyn Strategy,
    spec: &RunSpec,
    emit: &mut dyn FnMut(Event),
    beat: Option<Beat<'_>>,
) -> RunResult {
    // One scope of tokio's coop budget for the whole run (an iteration would otherwise make
    // its own): how the real tokio crate used in a test is seen (see `rt::coop`).
    crate::rt::coop::budgeted(|| run_iterations(make, strategy, spec, emit, beat))
}

fn run_iterations(
    make: MakeFuture<'_>,
    strategy: &mut dyn Strategy,
    spec: &RunSpec,
    emit: &mut dyn FnMut(Event),
    beat: Option<Beat<'_>>,
) -> RunResult {
    let ex = Executor::new();
    ex.set_config(crate::rt::executor::ExecConfig {
        max_steps: spec.bounds.max_steps,
        coverage: spec.coverage,
        ..Default::default()
    });
    // No step log while exploring: a bug's iteration is re-run with it (see `logged_rerun`).
    ex.set_logging(false);
    let mut result = RunResult::default();
    let mut seen = HashSet::new();
    let mut last_progress = Instant::now();
    let mut novelty = novelty::Novelty::new(spec.saturation);
    // Every strategy gets a fair suffix after `max_steps`, entered while a monitor is hot.
    ex.set_fair_suffix(Some(FairSuffix::new(spec.bounds.max_steps, spec.seed)));
    for iteration in 0..spec.iterations {
        if beat
            .and_then(|b| b.stop)
            .is_some_and(|s| s.load(Ordering::Relaxed) != 0)
        {
            break;
        }
        if !strategy.begin_iteration() {
            break;
        }
        let fair = strategy.is_fair();
        let threshold = spec.bounds.threshold();
        if fair {
            // A fair strategy may start with an unfair prefix (`fair-pct`'s PCT): the
            // threshold counts from its end.
            let from = spec.bounds.unfair_prefix();
            ex.set_bounds(spec.bounds.max_fair_steps, threshold, from, None);
        } else {
            let fair_bound = spec.bounds.max_fair_steps.max(spec.bounds.max_steps);
            ex.set_bounds(spec.bounds.max_steps, threshold, 0, Some(fair_bound));
        }
        // Resuming after a crash: iterations up to the failed one ran before and are re-run
        // silently, only to bring the strategy to where it was; the failed one is cut.
        let rerun = spec.resume_after.filter(|r| iteration <= r.iteration);
        let cut = rerun.filter(|r| iteration == r.iteration);
        ex.set_decision_limit(cut.map(|r| r.decisions));
        if let Some(b) = beat {
            b.heartbeat.fetch_add(1, Ordering::Relaxed);
        }
        let (outcome, steps) = if spec.capture_from.is_some_and(|from| iteration >= from) {
            emit(Event::IterationStart { iteration });
            // Both sinks emit; one `emit` borrow is shared through a cell.
            let emit_cell = std::cell::RefCell::new(&mut *emit);
            let mut sink = |d| (emit_cell.borrow_mut())(Event::decision(d));
            let mut lines = |l: &str| {
                (emit_cell.borrow_mut())(Event::Log {
                    line: l.to_string(),
                })
            };
            ex.set_decision_sink(Some(&mut sink));
            ex.set_line_sink(Some(&mut lines));
            // A restarted iteration streams its decisions again, from its start.
            let mut again = || (emit_cell.borrow_mut())(Event::IterationStart { iteration });
            let r = restart::run_restartable(&ex, make, strategy, &mut again);
            ex.set_decision_sink(None);
            ex.set_line_sink(None);
            r
        } else {
            restart::run_restartable(&ex, make, strategy, &mut || {})
        };
        // The bound the iteration ran under: its fair suffix's if it entered one.
        let bound = if fair || ex.suffix_from().is_some() {
            spec.bounds.max_fair_steps.max(spec.bounds.max_steps)
        } else {
            spec.bounds.max_steps
        };
        if rerun.is_none() {
            result.iterations += 1;
            result.total_steps += steps as u64;
            result.max_steps_seen = result.max_steps_seen.max(steps);
            novelty.after_iteration(&ex, result.iterations);
        }
        let failure = match outcome {
            // The failed iteration, stopped before what failed: reported when it first ran.
            _ if cut.is_some() => None,
            IterationOutcome::Completed => None,
            IterationOutcome::Bug(f) => Some(f),
            IterationOutcome::StepBound => {
                result.step_bound_hits += u64::from(rerun.is_none());
                spec.step_bound_is_bug.then(|| Failure {
                    kind: BugKind::StepBound,
                    message: format!(
                        "the iteration reached the step bound of {bound} steps (a livelock, or a bound too small: see --max-steps and --max-fair-steps)"
                    ),
                    task: None,
                    location: None,
                })
            }
            IterationOutcome::Restart => Some(Failure {
                kind: BugKind::Uncontrolled,
                message: "internal: an iteration restarted outside run_restartable".into(),
                task: None,
                location: None,
            }),
            IterationOutcome::Diverged(why) => Some(Failure {
                kind: BugKind::Uncontrolled,
                message: format!("the strategy stopped the iteration: {why}"),
                task: None,
                location: None,
            }),
        };
        strategy.end_iteration(&IterationEnd {
            steps,
            bug: failure.is_some() || cut.is_some(),
            hit_bound: steps >= bound,
            wrote_atomics: crate::rt::memory::wrote_any(),
        });
        if !spec.stop_on_first_bug && rerun.is_none() {
            // Per iteration, but only when exploring: a portfolio names its member here.
            let counts = result.by_strategy.entry(strategy.name()).or_default();
            counts.iterations += 1;
            counts.hits += u64::from(failure.is_some());
        }
        if let Some(failure) = failure {
            let key = failure.dedup_key();
            if rerun.is_none() {
                *result.bug_hits.entry(key.to_string()).or_insert(0) += 1;
            }
            let first = seen.insert(key);
            if rerun.is_some() {
                // Reported when it first ran; this worker reports each bug once, as it did.
                continue;
            }
            if first {
                result.bugs += 1;
                let mut trace =
                    build_trace(&ex, spec, &*strategy, iteration, (steps, bound), failure);
                let suffix = ex.suffix_seed();
                logged_rerun(&ex, make, &mut trace);
                keep_only_prefix(&mut trace, suffix);
                emit(Event::Bug {
                    trace: Box::new(trace),
                });
            }
            if spec.stop_on_first_bug {
                break;
            }
        }
        if last_progress.elapsed() >= spec.progress_every {
            last_progress = Instant::now();
            if let Some(e) = novelty.take_event() {
                emit(e);
            }
            emit(Event::Progress {
                iterations: result.iterations,
                steps: result.total_steps,
                max_steps: result.max_steps_seen,
            });
        }
        if spec
            .until_saturated
            .is_some_and(|k| novelty.saturated(result.iterations, k))
        {
            break;
        }
    }
    if let Some(e) = novelty.take_event() {
        emit(e);
    }
    emit(Event::Progress {
        iterations: result.iterations,
        steps: result.total_steps,
        max_steps: result.max_steps_seen,
    });
    result.exhausted = strategy.exhausted();
    result.schedules = strategy.schedules_explored();
    if spec.coverage {
        result.coverage = Some(ex.take_coverage());
    }
    result
}

/// Fills in the step log (and its events) of `trace`, a bug's trace built by an executor that
/// kept none: re-runs its iteration by its decisions with the log on, the coverage off (the
/// iteration was counted when it ran). A re-run that does not end as the trace did (the
/// program is not deterministic: replay will say so too) leaves a one-line log saying that.
fn logged_rerun(ex: &Executor, make: MakeFuture<'_>, trace: &mut Trace) {
    if ex.keeps_log() {
        trace.log = ex.log();
        trace.events = ex.events();
        return;
    }
    let Ok(decisions) = trace.decisions() else {
        return;
    };
    let mut replay = coyote_core::strategy::Replay::new(decisions);
    replay.begin_iteration();
    let coverage = ex.coverage_on();
    ex.set_coverage_on(false);
    ex.set_logging(true);
    // The trace's decisions include the suffix's: the replay makes them all.
    let suffix = ex.take_fair_suffix();
    let (outcome, steps) = restart::run_restartable(ex, make, &mut replay, &mut || {});
    let same = steps == trace.steps
        && match &outcome {
            IterationOutcome::Bug(f) => f.dedup_key() == trace.failure.dedup_key(),
            IterationOutcome::StepBound => trace.failure.kind == BugKind::StepBound,
            IterationOutcome::Diverged(_) => trace.failure.kind == BugKind::Uncontrolled,
            IterationOutcome::Completed | IterationOutcome::Restart => false,
        };
    if same {
        trace.log = ex.log();
        trace.events = ex.events();
    } else {
        trace.log = vec![format!(
            "(no step log: re-running this iteration by its decisions to record its log ended otherwise, at step {steps}; the program is not deterministic under coyote, and `coyote replay` will name where it diverges)"
        )];
    }
    ex.set_logging(false);
    ex.set_coverage_on(coverage);
    ex.set_fair_suffix(suffix);
}

/// Drops from `trace` the decisions its fair suffix made, if it made any, and stores the
/// suffix's seed instead (replay makes them again: see [`SuffixSeed`]). Done after the logged
/// re-run, which replays every decision without the suffix.
///
/// [`SuffixSeed`]: coyote_core::trace::SuffixSeed
fn keep_only_prefix(trace: &mut Trace, suffix: Option<(u32, coyote_core::trace::SuffixSeed)>) {
    let Some((before, seed)) = suffix else {
        return;
    };
    let Ok(decisions) = trace.decisions() else {
        return;
    };
    let before = (before as usize).min(decisions.len());
    trace.decisions = coyote_core::trace::encode_decisions(&decisions[..before]);
    trace.fair_suffix = Some(seed);
}

fn build_trace(
    ex: &Executor,
    spec: &RunSpec,
    strategy: &dyn Strategy,
    iteration: u64,
    (steps, bound): (u32, u32),
    failure: Failure,
) -> Trace {
    let origin = Origin::strategy(strategy.name(), spec.seed);
    let decisions = ex.decisions();
    Trace {
        harness_version: crate::VERSION.into(),
        steps,
        liveness_threshold: ex.liveness_threshold(),
        fair_from: ex.fair_since(),
        ..Trace::new(
            &spec.test_name,
            origin,
            iteration,
            bound,
            &decisions,
            failure,
        )
    }
}

#[cfg(test)]
mod tests;
