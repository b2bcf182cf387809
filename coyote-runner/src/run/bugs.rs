//! The distinct bugs of a test as they settle: each new one is numbered in the order the run
//! settles them and gets its trace file (emitted as [`RunEvent::BugFound`]); a repeat only
//! counts occurrences.
//!
//! Invariant: a bug's trace carries the library it was recorded against and the run's
//! `--allow-real-clock` before any consumer sees it; numbers run 1, 2, ... in settling order.

use super::session::Session;
use crate::events::RunEvent;
use crate::output;
use crate::Error;
use coyote_core::report::BugSummary;
use coyote_core::trace::{BugKey, Trace};

/// A bug reported for the test: its identity, its report entry, and its trace.
pub(super) struct BugRecord {
    key: BugKey,
    pub(super) summary: BugSummary,
    pub(super) trace: Trace,
}

impl BugRecord {
    /// Its key as text, as workers count its hits (`RunResult::bug_hits`).
    pub(super) fn key_text(&self) -> String {
        self.key.to_string()
    }
}

/// The distinct bugs of a test, in settling order.
#[derive(Default)]
pub(super) struct Bugs {
    pub(super) records: Vec<BugRecord>,
}

impl Bugs {
    /// Records a settled bug of `test`, found `occurrences` times, its kept occurrence at
    /// position `order.0` of worker `order.1`'s sequence.
    pub(super) fn record(
        &mut self,
        s: &mut Session<'_>,
        test: &str,
        mut trace: Trace,
        occurrences: u64,
        order: (u64, u32),
    ) -> Result<(), Error> {
        trace.library = Some(s.lib_ref.clone());
        trace.allow_real_clock = s.plan.allow_real_clock;
        trace.iteration_timeout_ms = Some(s.plan.iteration_timeout.as_millis() as u64);
        let key = trace.failure.dedup_key();
        if let Some(b) = self.records.iter_mut().find(|b| b.key == key) {
            b.summary.occurrences += occurrences;
            return Ok(());
        }
        let number = self.records.len() + 1;
        let path = output::trace_path(&s.plan.out, test, number);
        s.reporter.emit(RunEvent::BugFound {
            test,
            number,
            trace: &trace,
            path: &path,
            explore: s.plan.explore,
        })?;
        let summary = BugSummary {
            kind: trace.failure.kind,
            message: trace.failure.message.clone(),
            location: trace.failure.location.clone(),
            trace: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            origin: trace.origin.clone(),
            iteration: trace.iteration,
            occurrences,
            worker: Some(order.1),
            order: Some(order.0),
        };
        self.records.push(BugRecord {
            key,
            summary,
            trace,
        });
        Ok(())
    }
}
