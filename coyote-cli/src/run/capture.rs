//! Crash and hang capture: a worker that died or hung cannot send its decisions, so its seed is
//! re-run in a fresh worker that streams the decisions of the failing iteration (`capture_from`),
//! and those become the bug's trace.
//!
//! Invariant: a capture re-run runs exactly the dead worker's request up to and including the
//! failing iteration, so its decisions are the ones that failed; it is not counted in the
//! statistics.

use super::share::{new_share, Share};
use super::Session;
use crate::pool::Pool;
use anyhow::Context as _;
use coyote_core::trace::{BugKind, Decision, Failure, Origin, Trace};

/// A failure whose decisions are being captured.
pub(super) struct Capture {
    pub(super) kind: BugKind,
    pub(super) message: String,
    pub(super) iteration: u64,
    pub(super) decisions: Vec<Decision>,
}

impl Capture {
    pub(super) fn new(kind: BugKind, message: String, iteration: u64) -> Capture {
        Capture {
            kind,
            message,
            iteration,
            decisions: Vec::new(),
        }
    }
}

/// Starts the capture re-run of share `original`'s failing iteration.
pub(super) fn start_capture(
    s: &Session<'_>,
    pool: &mut Pool,
    shares: &mut Vec<Share>,
    original: usize,
    c: Capture,
) -> anyhow::Result<()> {
    let mut request = shares[original].spec.request.clone();
    request.capture_from = Some(c.iteration);
    request.iterations = c.iteration + 1;
    // `stop_on_first_bug` stays the share's: under `--explore` an earlier iteration may have
    // found a bug (which the capture does not report), and stopping there would end the capture
    // before the failing iteration, with no decisions.
    request.coverage = false;
    let (index, offset) = (shares[original].index, shares[original].offset);
    let share = new_share(s, index, offset, request, Some(c));
    pool.spawn(&share.spec)
        .context("cannot start a worker process")?;
    shares.push(share);
    Ok(())
}

/// Turns captured decisions into the bug's trace.
pub(super) fn capture_trace(s: &Session<'_>, test: &str, c: Capture) -> Trace {
    let failure = Failure::new(c.kind, c.message);
    Trace {
        harness_version: s.harness_version.clone(),
        ..Trace::new(
            test,
            Origin::Captured,
            c.iteration,
            s.args.max_steps,
            &c.decisions,
            failure,
        )
    }
}
