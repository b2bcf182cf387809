//! The distinct bugs of a run with `--explore`, numbered in iteration order rather than arrival
//! order.
//!
//! With `--explore` every worker runs its whole share and may find several distinct bugs (by
//! [`coyote_core::trace::Failure::dedup_key`]), each possibly many times. Which message reaches
//! the parent first depends on the machine's timing (a crash's trace, for one, arrives only when
//! its capture re-run ends), so the numbering of the trace files and the order of the report
//! are decided when the run settles: by each bug's earliest occurrence, ordered by its position
//! in its worker's sequence of iterations, then by worker index. That occurrence's trace is the
//! one kept. A worker's sequence is a function of `--seed` and its index (a replacement for a
//! crashed worker continues the sequence, see [`Explored::add`]'s `order`), so with a fixed
//! iteration count the files and the report are a function of `--seed` and `-j` only.
//!
//! Invariants:
//!
//! * every distinct bug is on disk at once, as a pending trace in the output directory (replaced
//!   when an earlier occurrence arrives), so a run killed before it settles (a second Ctrl-C)
//!   loses nothing; settling removes the pending files;
//! * the kept occurrence of a bug only moves earlier.

use crate::output::write_atomic;
use crate::Error;
use coyote_core::trace::{BugKey, Trace};
use std::path::{Path, PathBuf};

/// One distinct bug and its earliest occurrence so far.
struct Found {
    key: BugKey,
    /// Where the kept occurrence falls: its position in its worker's sequence, then the worker.
    order: (u64, u32),
    trace: Trace,
    occurrences: u64,
    file: PathBuf,
}

/// The bugs settled by [`Explored::settle`]: the kept trace of each and how often it occurred.
pub(super) struct Settled {
    pub(super) trace: Trace,
    pub(super) occurrences: u64,
    /// Where the kept occurrence falls: its position in its worker's sequence, and the worker.
    pub(super) order: (u64, u32),
}

/// The distinct bugs reported so far in a run with `--explore`.
#[derive(Default)]
pub(super) struct Explored {
    found: Vec<Found>,
}

impl Explored {
    /// Counts an occurrence of `trace`'s bug, found by worker `worker` at position `order` of its
    /// sequence of iterations (the trace's own iteration plus the iterations its share started
    /// after); keeps its trace pending in `out` if it is the earliest so far. Returns the trace
    /// if the bug is new.
    pub(super) fn add(
        &mut self,
        out: &Path,
        test: &str,
        worker: u32,
        order: u64,
        trace: Trace,
    ) -> Result<Option<&Trace>, Error> {
        let key = trace.failure.dedup_key();
        let order = (order, worker);
        let at = match self.found.iter().position(|f| f.key == key) {
            Some(at) => {
                let f = &mut self.found[at];
                f.occurrences += 1;
                if order >= f.order {
                    return Ok(None);
                }
                (f.order, f.trace) = (order, trace);
                at
            }
            None => {
                let file = out.join(format!(
                    ".pending-{}-x{}.trace",
                    crate::output::sanitize(test),
                    self.found.len() + 1
                ));
                self.found.push(Found {
                    key,
                    order,
                    trace,
                    occurrences: 1,
                    file,
                });
                self.found.len() - 1
            }
        };
        let f = &self.found[at];
        write_atomic(&f.file, f.trace.to_json().as_bytes())
            .map_err(Error::io(format!("cannot write {}", f.file.display())))?;
        Ok((f.occurrences == 1).then_some(&f.trace))
    }

    /// The distinct bugs by their earliest occurrence. Removes the pending files.
    pub(super) fn settle(mut self) -> Vec<Settled> {
        self.found.sort_by_key(|f| f.order);
        self.found
            .into_iter()
            .map(|f| {
                let _ = std::fs::remove_file(&f.file);
                Settled {
                    trace: f.trace,
                    occurrences: f.occurrences,
                    order: f.order,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::session::test_trace as trace;
    use coyote_core::trace::BugKind;

    #[test]
    fn numbers_bugs_by_earliest_occurrence_whatever_the_arrival() {
        let dir = std::env::temp_dir().join(format!("coyote-explored-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut e = Explored::default();
        let panic = |i| trace(i, BugKind::Panic, "boom");
        let crash = |i| trace(i, BugKind::Crash, "killed by signal 6");
        assert!(e.add(&dir, "t", 0, 9, panic(9)).unwrap().is_some(), "new");
        assert!(
            e.add(&dir, "t", 1, 5, panic(5)).unwrap().is_none(),
            "a repeat"
        );
        // A replacement worker's iteration 1 comes after the 7 its share started after.
        assert!(e.add(&dir, "t", 1, 8, crash(1)).unwrap().is_some());
        assert!(e.add(&dir, "t", 0, 12, panic(12)).unwrap().is_none());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            2,
            "on disk at once"
        );
        let kept = e.settle();
        let got: Vec<_> = kept
            .iter()
            .map(|s| (s.trace.iteration, s.trace.failure.kind, s.occurrences))
            .collect();
        assert_eq!(
            got,
            [(5, BugKind::Panic, 3), (1, BugKind::Crash, 1)],
            "the panic's earliest occurrence (5) is before the crash's (8)"
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
