//! A worker exited: a capture re-run's end gives its bug's trace; a work share that ended
//! without finishing crashed (or hung) and gets a capture re-run, and under `--explore` a
//! replacement that finishes its share.
//!
//! Invariants: every failed work share gets exactly one capture re-run; a replacement continues
//! its original's sequence of iterations (see [`TestRun::replace`]), so the same failure gets
//! the same replacement on every run; no replacement starts once the run is stopping.

use super::capture::{capture_trace, start_capture, Capture};
use super::share::{Closed, Share};
use super::test_run::TestRun;
use crate::events::RunEvent;
use crate::Error;
use coyote_core::abi::ResumeAfter;
use coyote_core::rng::derive_seed;
use coyote_core::trace::BugKind;

impl TestRun<'_, '_> {
    /// The worker of share `slot` exited.
    pub(super) fn closed(&mut self, slot: usize) -> Result<(), Error> {
        let info = self.pool.reap(slot);
        let c = match self.pool.share_mut(slot).close() {
            Closed::Nothing => return Ok(()),
            Closed::Captured(c, resumes) => {
                // A capture run ended (crashed or hung again, or was stopped): its bug.
                let (failed, decisions) = (c.iteration, c.decisions.len() as u32);
                let trace = capture_trace(self.s, self.test, c);
                self.arrived(slot, trace)?;
                if let Some(original) = resumes {
                    self.replace(original, failed, Some(decisions))?;
                }
                return Ok(());
            }
            Closed::Hung(c) => c,
            Closed::Crashed => {
                // The worker died without finishing: a crash in the user's code.
                let iteration = self.pool.share(slot).heartbeat().saturating_sub(1);
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
        let (original, iteration, explore) = (slot, c.iteration, self.s.plan.explore);
        self.s.reporter.emit(RunEvent::ShareFailed {
            test: self.test,
            kind: c.kind,
            iteration,
            worker: self.pool.share(original).index,
            iteration_timeout: self.s.plan.iteration_timeout,
        })?;
        if !explore {
            // The bug's trace comes later, from the capture; its iteration is known now.
            self.first.expect(iteration);
            self.pool.stop_past(self.first.at());
        }
        let capture = start_capture(self.s, &mut self.pool, original, c)?;
        if explore {
            if self.s.plan.strategy.is_exhaustive() {
                // Its place in the enumeration is rebuilt by re-running up to the failure,
                // which the capture is about to locate.
                self.pool.share_mut(capture).resume_after_capture(original);
            } else {
                self.replace(original, iteration, None)?;
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
        &mut self,
        original: usize,
        failed: u64,
        resume_after_decisions: Option<u32>,
    ) -> Result<(), Error> {
        let sh = self.pool.share(original);
        let done = failed + 1;
        if self.s.cut_short() || sh.generation >= 8 || sh.spec.request.iterations <= done {
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
            ..Share::new(self.s, index, offset, request, None)
        };
        self.pool.spawn(share)?;
        self.s.reporter.emit(RunEvent::ShareReplaced {
            worker: index,
            offset,
        })
    }
}
