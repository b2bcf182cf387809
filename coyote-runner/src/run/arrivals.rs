//! Bugs as they arrive from the workers: under `--explore` each is counted at once (see
//! [`Explored`]), else it competes for the first bug (see [`FirstBug`]) and the shares past its
//! iteration stop.
//!
//! Invariant: a capture re-run's bug arrives as its original share's (same worker index and
//! offset), so it sorts with the bugs of the share it re-ran.

use super::explored::{Explored, Settled};
use super::first::FirstBug;
use super::pool::Pool;
use super::session::Session;
use crate::events::RunEvent;
use crate::Error;
use coyote_core::trace::Trace;

/// The bugs reported so far in a test's run.
#[derive(Default)]
pub(super) struct Arrivals {
    first: FirstBug,
    explored: Explored,
}

impl Arrivals {
    /// A bug arrived from share `slot` of `test`.
    pub(super) fn arrived(
        &mut self,
        s: &mut Session<'_>,
        pool: &mut Pool,
        test: &str,
        slot: usize,
        trace: Trace,
    ) -> Result<(), Error> {
        let (worker, offset) = {
            let sh = pool.share(slot);
            (sh.index, sh.offset)
        };
        let out = &s.plan.out;
        if s.plan.explore {
            let order = offset + trace.iteration;
            if let Some(trace) = self.explored.add(out, test, worker, order, trace)? {
                s.reporter.emit(RunEvent::BugAnnounced { test, trace })?;
            }
        } else {
            let at = self.first.add(out, test, worker, trace)?;
            pool.stop_past(Some(at));
        }
        Ok(())
    }

    /// A worker crashed or hung in `iteration`: without `--explore` that bug competes for the
    /// first one before its trace is captured, so the shares past it can stop meanwhile.
    pub(super) fn expect(&mut self, pool: &mut Pool, iteration: u64) {
        self.first.expect(iteration);
        pool.stop_past(self.first.at());
    }

    /// The earliest iteration with a bug so far (without `--explore`).
    pub(super) fn first_at(&self) -> Option<u64> {
        self.first.at()
    }

    /// The bugs to record, in order, with how often each occurred and where its kept
    /// occurrence falls (see [`FirstBug::settle`] and [`Explored::settle`]). Removes the
    /// pending files.
    pub(super) fn settle(self, cut_short: bool) -> Vec<Settled> {
        let first = self
            .first
            .settle(cut_short)
            .into_iter()
            .map(|(trace, worker)| Settled {
                order: (trace.iteration, worker),
                trace,
                occurrences: 1,
            });
        first.chain(self.explored.settle()).collect()
    }
}
