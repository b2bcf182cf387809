//! Crash and hang capture: a worker that died or hung cannot send its decisions, so its seed is
//! re-run in a fresh worker that streams the decisions of the failing iteration (`capture_from`),
//! and those become the bug's trace.
//!
//! Invariant: a capture re-run runs exactly the dead worker's request up to and including the
//! failing iteration, so its decisions are the ones that failed; it is not counted in the
//! statistics.

use super::pool::Pool;
use super::session::Session;
use super::share::{Capture, Share};
use crate::Error;
use coyote_core::trace::{BugKind, Failure, Origin, Trace};

/// Starts the capture re-run of share `original`'s failing iteration; returns its slot.
pub(super) fn start_capture(
    s: &Session<'_>,
    pool: &mut Pool,
    original: usize,
    c: Capture,
) -> Result<usize, Error> {
    let sh = pool.share(original);
    let mut request = sh.spec.request.clone();
    request.capture_from = Some(c.iteration);
    request.iterations = c.iteration + 1;
    // `stop_on_first_bug` stays the share's: under `--explore` an earlier iteration may have
    // found a bug (which the capture does not report), and stopping there would end the capture
    // before the failing iteration, with no decisions.
    request.coverage = false;
    let share = Share::new(s, sh.index, sh.offset, request, Some(c));
    pool.spawn(share)
}

/// The step number of a step log line (`step   12  task 1 ...`).
fn step_of(line: &str) -> Option<u32> {
    line.strip_prefix("step")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Turns captured decisions into the bug's trace: its step log as streamed, its steps, and for
/// a hang, the last scheduling point reached and the stuck thread's backtrace; its origin is the
/// strategy and seed of the share it re-ran (whose iteration `c.iteration` failed).
pub(super) fn capture_trace(s: &Session<'_>, test: &str, c: Capture, origin: Origin) -> Trace {
    let log: Vec<String> = c.log.into_iter().collect();
    let last = log.iter().rev().find(|l| step_of(l).is_some());
    let mut message = c.message;
    if let Some(last) = last.filter(|_| c.kind == BugKind::Hang) {
        let point = last.split_whitespace().collect::<Vec<_>>().join(" ");
        message.push_str(&format!("; the last scheduling point: {point}"));
    }
    let failure = Failure {
        location: c.location,
        ..Failure::new(c.kind, message)
    };
    let max_steps = s.plan.max_steps.get();
    Trace {
        harness_version: s.harness_version.clone(),
        steps: last.and_then(|l| step_of(l)).unwrap_or(0),
        log,
        backtrace: c.backtrace,
        ..Trace::new(test, origin, c.iteration, max_steps, &c.decisions, failure)
    }
}
