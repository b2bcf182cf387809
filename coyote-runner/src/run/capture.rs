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
use coyote_core::trace::{Failure, Origin, Trace};

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

/// Turns captured decisions into the bug's trace.
pub(super) fn capture_trace(s: &Session<'_>, test: &str, c: Capture) -> Trace {
    let failure = Failure::new(c.kind, c.message);
    let max_steps = s.plan.max_steps.get();
    Trace {
        harness_version: s.harness_version.clone(),
        ..Trace::new(
            test,
            Origin::Captured,
            c.iteration,
            max_steps,
            &c.decisions,
            failure,
        )
    }
}
