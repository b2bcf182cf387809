//! Runs iterations of one test under one strategy and turns outcomes into events, traces and a
//! [`RunResult`]. Shared by the C ABI (`coyote test` workers) and [`crate::check`].
//!
//! Invariant: every bug is emitted (with its full trace) the moment its iteration ends, before
//! the next iteration starts, so a crash later in the run never loses it.

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
    heartbeat: Option<&AtomicU64>,
) -> RunResult {
    let ex = Executor::new();
    ex.set_config(crate::rt::executor::ExecConfig {
        max_steps: spec.bounds.max_steps,
        coverage: spec.coverage,
        ..Default::default()
    });
    let mut result = RunResult::default();
    let mut seen = HashSet::new();
    let mut last_progress = Instant::now();
    // Every strategy gets a fair suffix after `max_steps`, entered while a monitor is hot.
    let mut strategy = FairSuffix::new(strategy, spec.bounds.max_steps, spec.seed);
    let strategy: &mut dyn Strategy = &mut strategy;
    for iteration in 0..spec.iterations {
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
        if let Some(h) = heartbeat {
            h.fetch_add(1, Ordering::Relaxed);
        }
        let (fut, entry) = make();
        let (outcome, steps) = if spec.capture_from.is_some_and(|from| iteration >= from) {
            emit(Event::IterationStart { iteration });
            let mut sink = |d| emit(Event::decision(d));
            ex.set_decision_sink(Some(&mut sink));
            let r = ex.run_iteration(fut, entry, strategy);
            ex.set_decision_sink(None);
            r
        } else {
            ex.run_iteration(fut, entry, strategy)
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
        });
        if let Some(failure) = failure {
            let first = seen.insert(failure.dedup_key());
            if rerun.is_some() {
                // Reported when it first ran; this worker reports each bug once, as it did.
                continue;
            }
            if first {
                result.bugs += 1;
                let trace = build_trace(&ex, spec, &*strategy, iteration, (steps, bound), failure);
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
            emit(Event::Progress {
                iterations: result.iterations,
                steps: result.total_steps,
            });
        }
    }
    emit(Event::Progress {
        iterations: result.iterations,
        steps: result.total_steps,
    });
    result.exhausted = strategy.exhausted();
    result.schedules = strategy.schedules_explored();
    if spec.coverage {
        result.coverage = Some(ex.take_coverage());
    }
    result
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
        log: ex.log(),
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

/// The outcome of replaying a trace in-process.
pub(crate) fn replay(
    make: MakeFuture<'_>,
    trace: &Trace,
    verbose: bool,
    break_before_failure: bool,
) -> coyote_core::abi::ReplayResult {
    use coyote_core::abi::ReplayResult;
    let decisions = match trace.decisions() {
        Ok(d) => d,
        Err(e) => {
            return ReplayResult {
                error: Some(e.to_string()),
                ..Default::default()
            }
        }
    };
    let mut strategy = coyote_core::strategy::Replay::new(decisions);
    let ex = Executor::new();
    ex.set_config(crate::rt::executor::ExecConfig {
        max_steps: trace.max_steps,
        verbose,
        break_at_step: (break_before_failure && trace.steps > 0).then(|| trace.steps - 1),
        coverage: false,
        liveness_threshold: trace.liveness_threshold,
        fair_from: trace.fair_from.unwrap_or(0),
    });
    strategy.begin_iteration();
    let (fut, entry) = make();
    let (outcome, steps) = ex.run_iteration(fut, entry, &mut strategy);
    let log = ex.log();
    let mut result = ReplayResult {
        steps,
        log,
        ..Default::default()
    };
    match outcome {
        IterationOutcome::Bug(f) => {
            result.reproduced =
                f.kind == trace.failure.kind && f.dedup_key() == trace.failure.dedup_key();
            if !strategy.finished() && result.divergence.is_none() && !result.reproduced {
                result.divergence = Some(format!(
                    "step {steps}: the program failed after {} of the trace's {} decisions",
                    strategy.consumed(),
                    trace.decisions().map(|d| d.len()).unwrap_or(0)
                ));
            }
            result.failure = Some(f);
        }
        IterationOutcome::Diverged(why) => result.divergence = Some(why),
        IterationOutcome::StepBound => {
            if trace.failure.kind == BugKind::StepBound {
                result.reproduced = true;
                result.failure = Some(trace.failure.clone());
            } else {
                result.divergence = Some(format!(
                    "step {steps}: the execution reached the step bound, but the trace ends in a {} at step {}",
                    trace.failure.kind, trace.steps
                ));
            }
        }
        IterationOutcome::Completed => {
            result.divergence = Some(format!(
                "step {steps}: the execution completed without failing; the trace recorded a {} at step {}",
                trace.failure.kind, trace.steps
            ));
        }
    }
    if result.reproduced && steps != trace.steps && result.divergence.is_none() {
        result.divergence = Some(format!(
            "the failure reproduced, but at step {steps} instead of step {}",
            trace.steps
        ));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_core::strategy::Dfs;

    /// Two tasks that yield twice each, awaited by main.
    fn make() -> (
        Pin<Box<dyn Future<Output = ()>>>,
        &'static Location<'static>,
    ) {
        let fut = async {
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    crate::task::spawn(async {
                        crate::task::yield_now().await;
                        crate::task::yield_now().await;
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        };
        (Box::pin(fut), Location::caller())
    }

    /// The decisions of every iteration from `from` on of a `dfs` run, by iteration.
    fn schedules(from: u64, resume_after: Option<ResumeAfter>) -> (Vec<Vec<String>>, RunResult) {
        let spec = RunSpec {
            test_name: "t".into(),
            seed: 0,
            iterations: 1000,
            bounds: Bounds::default(),
            step_bound_is_bug: false,
            stop_on_first_bug: false,
            progress_every: Duration::from_secs(3600),
            capture_from: Some(from),
            coverage: false,
            resume_after,
        };
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut emit = |e: Event| match e {
            Event::IterationStart { .. } => out.push(Vec::new()),
            Event::Decision { decision } => out.last_mut().unwrap().push(decision),
            _ => {}
        };
        let result = run(&make, &mut Dfs::new(None), &spec, &mut emit, None);
        (out, result)
    }

    /// A replacement worker resuming after iteration `k` (cut after all of its decisions, where
    /// a crash after its last decision would have been) runs exactly the iterations the
    /// original would have run after `k`, and counts only those.
    #[test]
    fn a_resumed_run_goes_on_right_after_the_cut_iteration() {
        let (all, full) = schedules(0, None);
        assert!(full.exhausted);
        assert!(all.len() >= 10, "{all:?}");
        assert_eq!(full.iterations, all.len() as u64);
        for k in [0, 3, all.len() - 2] {
            let (rest, result) = schedules(
                k as u64 + 1,
                Some(ResumeAfter {
                    iteration: k as u64,
                    decisions: all[k].len() as u32,
                }),
            );
            assert_eq!(rest, all[k + 1..], "resumed after {k}");
            assert_eq!(result.iterations, (all.len() - k - 1) as u64);
            assert!(result.exhausted);
            assert_eq!(result.schedules, full.schedules);
        }
        // Cut earlier than the last decision, the iteration counts as explored up to there:
        // the search goes on with the next schedule that differs before the cut.
        let (rest, _) = schedules(
            1,
            Some(ResumeAfter {
                iteration: 0,
                decisions: 1,
            }),
        );
        let first_differs = all.iter().position(|s| s[0] != all[0][0]).unwrap();
        assert_eq!(rest, all[first_differs..]);
    }
}
