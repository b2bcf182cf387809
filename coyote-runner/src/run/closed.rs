//! A worker exited: a capture re-run's end gives its bug's trace; a work share that ended
//! without finishing crashed (or hung) and gets a capture re-run, and under `--explore` a
//! replacement that finishes its share.
//!
//! Invariants: every failed work share gets exactly one capture re-run; a replacement continues
//! its original's sequence of iterations (see [`replace`]), so the same failure gets
//! the same replacement on every run; no replacement starts once the run is stopping.

use super::arrivals::Arrivals;
use super::capture::{capture_trace, start_capture};
use super::pool::Pool;
use super::session::Session;
use super::share::{Capture, Closed, Share};
use crate::events::RunEvent;
use crate::Error;
use coyote_core::abi::ResumeAfter;
use coyote_core::rng::derive_seed;
use coyote_core::trace::{BugKind, Origin};

/// The worker of share `slot` of `test` exited.
pub(super) fn closed(
    s: &mut Session<'_>,
    pool: &mut Pool,
    arrivals: &mut Arrivals,
    test: &str,
    slot: usize,
) -> Result<(), Error> {
    let info = pool.reap(slot);
    let c = match pool.share_mut(slot).close() {
        Closed::Nothing => return Ok(()),
        Closed::Captured(c, resumes) => {
            // A capture run ended (crashed or hung again, or was stopped): its bug.
            let (failed, decisions) = (c.iteration, c.decisions.len() as u32);
            let request = &pool.share(slot).spec.request;
            let origin = Origin::strategy(request.strategy.clone(), request.seed);
            let trace = capture_trace(s, test, c, origin);
            arrivals.arrived(s, pool, test, slot, trace)?;
            if let Some(original) = resumes {
                replace(s, pool, original, failed, Some(decisions))?;
            }
            return Ok(());
        }
        Closed::Hung(c) => c,
        Closed::Crashed => {
            // The worker died without finishing: a crash in the user's code.
            let iteration = pool.share(slot).heartbeat().saturating_sub(1);
            let mut message = format!(
                "the worker process {} during iteration {iteration}",
                info.describe()
            );
            if !info.stderr_tail.is_empty() {
                message.push_str("; its last output: ");
                message.push_str(&info.stderr_tail.join(" | "));
            }
            Capture::new(BugKind::Crash, message, iteration)
        }
    };
    let (original, iteration, explore) = (slot, c.iteration, s.plan.explore);
    s.reporter.emit(RunEvent::ShareFailed {
        test,
        kind: c.kind,
        iteration,
        worker: pool.share(original).index,
        iteration_timeout: s.plan.iteration_timeout,
    })?;
    if !explore {
        // The bug's trace comes later, from the capture; its iteration is known now.
        arrivals.expect(pool, iteration);
    }
    let capture = start_capture(s, pool, original, c)?;
    if explore {
        if s.plan.strategy.is_exhaustive() {
            // Its place in the enumeration is rebuilt by re-running up to the failure,
            // which the capture is about to locate.
            pool.share_mut(capture).resume_after_capture(original);
        } else {
            replace(s, pool, original, iteration, None)?;
        }
    }
    Ok(())
}

/// Finishes the share of a worker that crashed or hung in a replacement worker, unless the
/// run is stopping (or this share has been replaced 8 times: its test fails that way all
/// the time). A seed-independent (exhaustive) strategy resumes right after the failure,
/// whose captured trace made `resume_after_decisions` decisions (see [`ResumeAfter`]); any
/// other goes on from the next iteration with a seed derived from where the share stopped,
/// so the same failure gets the same replacement on every run.
fn replace(
    s: &mut Session<'_>,
    pool: &mut Pool,
    original: usize,
    failed: u64,
    resume_after_decisions: Option<u32>,
) -> Result<(), Error> {
    let sh = pool.share(original);
    let done = failed + 1;
    if s.cut_short() || sh.generation >= 8 || sh.spec.request.iterations <= done {
        return Ok(());
    }
    let mut request = sh.spec.request.clone();
    request.capture_from = None;
    let offset = match resume_after_decisions {
        Some(decisions) => {
            request.resume_after = Some(ResumeAfter {
                iteration: failed,
                decisions,
            });
            sh.offset
        }
        None => {
            request.iterations -= done;
            request.seed = derive_seed(request.seed, 1000 + done);
            sh.offset + done
        }
    };
    let (index, generation) = (sh.index, sh.generation + 1);
    let share = Share {
        generation,
        ..Share::new(s, index, offset, request, None)
    };
    pool.spawn(share)?;
    s.reporter.emit(RunEvent::ShareReplaced {
        worker: index,
        offset,
    })
}
