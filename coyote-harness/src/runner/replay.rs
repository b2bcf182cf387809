//! Replaying a trace in-process (for `coyote replay`, `check`'s regressions and `minimize`).
//!
//! Invariant: a strict replay's first mismatch is a divergence; a lenient one never diverges.

use super::*;

/// The outcome of replaying a trace in-process: strictly (the first mismatch is a divergence),
/// or `lenient`ly (the decisions followed where they fit, then completed non-preemptively; see
/// [`coyote_core::strategy::Replay::lenient`]), for a program that changed since the trace and
/// for minimising. A lenient replay never diverges: it ends normally (the failure is fixed),
/// with the recorded failure, or with another. A lenient one runs `run_last` last where it
/// leaves the decisions ([`coyote_core::strategy::Replay::run_last`]); the result has the
/// step log only `with_log`.
pub(crate) fn replay(
    make: MakeFuture<'_>,
    trace: &Trace,
    verbose: bool,
    break_before_failure: bool,
    lenient: bool,
    run_last: &[u32],
    with_log: bool,
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
    let recorded = decisions.len();
    let mut strategy = if lenient {
        coyote_core::strategy::Replay::lenient(decisions).run_last(run_last.to_vec())
    } else {
        coyote_core::strategy::Replay::new(decisions)
    };
    let ex = Executor::new();
    // A trace that stores its fair suffix by its seed: the suffix makes those decisions again.
    if let Some(seed) = &trace.fair_suffix {
        match seed.state() {
            Ok(state) => ex.set_fair_suffix(Some(coyote_core::strategy::FairSuffix::resume(
                seed.from, state,
            ))),
            Err(e) => {
                return ReplayResult {
                    error: Some(e.to_string()),
                    ..Default::default()
                }
            }
        }
    }
    ex.set_config(crate::rt::executor::ExecConfig {
        max_steps: trace.max_steps,
        verbose,
        break_at_step: (break_before_failure && trace.steps > 0).then(|| trace.steps - 1),
        coverage: false,
        liveness_threshold: trace.liveness_threshold,
        fair_from: trace.fair_from.unwrap_or(0),
    });
    strategy.begin_iteration();
    let (outcome, steps) = restart::run_restartable(&ex, make, &mut strategy, &mut || {});
    let mut result = ReplayResult {
        steps,
        log: if with_log { ex.log() } else { Vec::new() },
        decisions: coyote_core::trace::encode_decisions(&ex.decisions()),
        deviation: strategy.deviation().map(str::to_string),
        preemptions: strategy.preemptions().to_vec(),
        tasks: ex.tasks_created(),
        tasks_ran: ex.tasks_ran(),
        ..Default::default()
    };
    match outcome {
        IterationOutcome::Bug(f) => {
            result.reproduced = f.dedup_key() == trace.failure.dedup_key();
            if !lenient && !strategy.finished() && !result.reproduced {
                result.divergence = Some(format!(
                    "step {steps}: the program failed after {} of the trace's {recorded} decisions",
                    strategy.consumed(),
                ));
            }
            result.failure = Some(f);
        }
        IterationOutcome::Diverged(why) => result.divergence = Some(why),
        IterationOutcome::Restart => result.divergence = Some("internal: restarted".into()),
        IterationOutcome::StepBound if trace.failure.kind == BugKind::StepBound => {
            result.reproduced = true;
            result.failure = Some(trace.failure.clone());
        }
        IterationOutcome::StepBound if lenient => result.hit_step_bound = true,
        IterationOutcome::StepBound => {
            result.divergence = Some(format!(
                "step {steps}: the execution reached the step bound, but the trace ends in a {} at step {}",
                trace.failure.kind, trace.steps
            ));
        }
        IterationOutcome::Completed if lenient => {}
        IterationOutcome::Completed => {
            result.divergence = Some(format!(
                "step {steps}: the execution completed without failing; the trace recorded a {} at step {}",
                trace.failure.kind, trace.steps
            ));
        }
    }
    if !lenient && result.reproduced && steps != trace.steps && result.divergence.is_none() {
        result.divergence = Some(format!(
            "the failure reproduced, but at step {steps} instead of step {}",
            trace.steps
        ));
    }
    result
}
