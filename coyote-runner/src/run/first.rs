//! The first bug of a run without `--explore`, in iteration order rather than arrival order.
//!
//! Several workers may find bugs; which one's message reaches the parent first depends on the
//! machine's timing. So the run does not stop at the first message: it keeps every reported bug
//! pending, stops each worker once it has finished more iterations than the earliest pending
//! bug's (it can no longer find an earlier one), and then records the bugs at that earliest
//! iteration, in worker order. A crash or hang takes part too: its iteration counts from the
//! moment the worker dies ([`FirstBug::expect`]), and its trace joins the pending bugs when the
//! capture re-run ends. Each worker's sequence of iterations is a function of the seed and its
//! index, so the reported bug, its trace and its iteration are a function of `--seed` and `-j`
//! only (as for the portfolio's assignment), and the wait costs at most one progress interval
//! once the other workers are past that iteration.
//!
//! Invariants:
//!
//! * every reported bug is on disk at once (a crash or hang once its capture ends), as a pending
//!   trace in the output directory, so a run killed while waiting (a second Ctrl-C) loses
//!   nothing; settling removes the pending files;
//! * [`FirstBug::at`] only decreases;
//! * a run cut short (Ctrl-C, `--timeout`) keeps every pending bug, in iteration order.

use crate::output::write_atomic;
use crate::Error;
use coyote_core::trace::Trace;
use std::path::{Path, PathBuf};

/// A bug waiting for the other workers to pass its iteration.
struct Pending {
    iteration: u64,
    worker: u32,
    file: PathBuf,
    trace: Trace,
}

/// The bugs reported so far in a run that stops at its first bug.
#[derive(Default)]
pub(super) struct FirstBug {
    at: Option<u64>,
    pending: Vec<Pending>,
}

impl FirstBug {
    /// Keeps worker `worker`'s bug pending (written to `out` at once) and returns the earliest
    /// iteration with a bug so far.
    pub(super) fn add(
        &mut self,
        out: &Path,
        test: &str,
        worker: u32,
        trace: Trace,
    ) -> Result<u64, Error> {
        let file = out.join(format!(
            ".pending-{}-{worker}.trace",
            crate::output::sanitize(test)
        ));
        write_atomic(&file, trace.to_json().as_bytes())
            .map_err(Error::io(format!("cannot write {}", file.display())))?;
        let iteration = trace.iteration;
        self.pending.push(Pending {
            iteration,
            worker,
            file,
            trace,
        });
        let at = self.at.map_or(iteration, |a| a.min(iteration));
        self.at = Some(at);
        Ok(at)
    }

    /// Notes that a bug at `iteration` will be added once its trace is captured (a worker
    /// crashed or hung there), so workers past it can stop meanwhile.
    pub(super) fn expect(&mut self, iteration: u64) {
        self.at = Some(self.at.map_or(iteration, |a| a.min(iteration)));
    }

    /// The earliest iteration with a bug so far: workers that have finished more iterations
    /// than this can stop.
    pub(super) fn at(&self) -> Option<u64> {
        self.at
    }

    /// The bugs to record, in order: those at the earliest iteration, by worker index (every
    /// pending bug, by iteration, if the run was cut short). Removes the pending files.
    /// Each comes with its worker.
    pub(super) fn settle(mut self, cut_short: bool) -> Vec<(Trace, u32)> {
        self.pending.sort_by_key(|p| (p.iteration, p.worker));
        let at = self.at;
        self.pending
            .into_iter()
            .filter_map(|p| {
                let _ = std::fs::remove_file(&p.file);
                (cut_short || Some(p.iteration) == at).then_some((p.trace, p.worker))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_core::trace::BugKind;

    fn trace(iteration: u64, message: &str) -> Trace {
        crate::run::session::test_trace(iteration, BugKind::Panic, message)
    }

    #[test]
    fn keeps_the_earliest_iteration_in_worker_order_whatever_the_arrival() {
        let dir = std::env::temp_dir().join(format!("coyote-first-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut f = FirstBug::default();
        assert_eq!(f.add(&dir, "t", 0, trace(5, "late")).unwrap(), 5);
        assert_eq!(f.add(&dir, "t", 3, trace(2, "b")).unwrap(), 2);
        assert_eq!(f.add(&dir, "t", 1, trace(2, "a")).unwrap(), 2);
        assert_eq!(f.at(), Some(2));
        let pending = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(pending, 3, "every bug is on disk at once");
        let kept: Vec<_> = f
            .settle(false)
            .into_iter()
            .map(|(t, _)| t.failure.message)
            .collect();
        assert_eq!(kept, ["a", "b"], "worker 1's, then worker 3's");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

        let mut f = FirstBug::default();
        f.add(&dir, "t", 0, trace(5, "late")).unwrap();
        f.add(&dir, "t", 1, trace(2, "a")).unwrap();
        let kept: Vec<_> = f
            .settle(true)
            .into_iter()
            .map(|(t, _)| t.failure.message)
            .collect();
        assert_eq!(kept, ["a", "late"], "a run cut short keeps everything");

        // A crash in iteration 1 stops workers past it before its trace is captured; the bug at
        // iteration 2 is then no longer the first.
        let mut f = FirstBug::default();
        f.add(&dir, "t", 0, trace(2, "a")).unwrap();
        f.expect(1);
        assert_eq!(f.at(), Some(1));
        f.expect(3);
        assert_eq!(f.at(), Some(1), "only decreases");
        f.add(&dir, "t", 1, trace(1, "crash")).unwrap();
        let kept: Vec<_> = f
            .settle(false)
            .into_iter()
            .map(|(t, _)| t.failure.message)
            .collect();
        assert_eq!(kept, ["crash"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
