//! Work shares: one worker process's part of a test's iterations, and the life of each.
//!
//! Invariants: a share's iterations are numbered in its worker's sequence (`offset` plus its
//! own), so bugs from replacements sort with the original's; a capture re-run is a share too,
//! never counted in the statistics and never stopped early (it is the only way to its bug's
//! trace); every share is spawned with its own heartbeat file, which counts iterations started;
//! a share's [`Life`] only moves forward, to [`Life::Ended`] once its worker has exited.

use super::session::Session;
use crate::worker::WorkerSpec;
use coyote_core::abi::{RunRequest, RunResult};
use coyote_core::trace::{BugKind, Decision};
use std::path::Path;

/// A failure whose decisions are being captured.
pub(crate) struct Capture {
    pub(crate) kind: BugKind,
    pub(crate) message: String,
    pub(crate) iteration: u64,
    pub(crate) decisions: Vec<Decision>,
    /// A hang's stuck thread: its backtrace (user frames first) and first user location.
    pub(crate) backtrace: Option<String>,
    pub(crate) location: Option<String>,
    /// The failing iteration's step log as the capture streams it (its last lines).
    pub(crate) log: std::collections::VecDeque<String>,
}

impl Capture {
    pub(crate) fn new(kind: BugKind, message: String, iteration: u64) -> Capture {
        Capture {
            kind,
            message,
            iteration,
            decisions: Vec::new(),
            backtrace: None,
            location: None,
            log: Default::default(),
        }
    }
}

/// Where a share is in its life.
pub(crate) enum Life {
    /// Running its iterations.
    Working,
    /// Sent its result; its worker is exiting.
    Reported(RunResult),
    /// Stopped by the run (it could no longer find an earlier bug, or the run is stopping); its
    /// worker is exiting.
    Stopping,
    /// Its worker's watchdog reported a hang; the capture starts once the worker has exited.
    Hanging(Capture),
    /// A capture re-run: the failure its decisions belong to, and under `--explore` with an
    /// exhaustive strategy, the share to resume right after the failure once this run has
    /// captured where that is.
    Capturing {
        capture: Capture,
        resumes: Option<usize>,
    },
    /// Its worker has exited.
    Ended(End),
}

/// How a share ended.
pub(crate) enum End {
    /// It ran its whole share: the library's result.
    Finished(RunResult),
    /// The run stopped it before it finished.
    Stopped,
    /// It crashed or hung in its last iteration; a capture re-run took over (and, under
    /// `--explore`, a replacement that finishes the share).
    Failed,
    /// A capture re-run that ended.
    Captured,
}

/// What closing a share's worker leaves to do.
pub(crate) enum Closed {
    /// Nothing: it finished, was stopped, or had already ended.
    Nothing,
    /// A capture re-run ended: its failure, and the share it resumes, if any.
    Captured(Capture, Option<usize>),
    /// A work share hung: its failure, to capture.
    Hung(Capture),
    /// A work share's worker died without finishing: a crash.
    Crashed,
}

/// One worker slot's share of the run.
pub(crate) struct Share {
    /// The worker index whose sequence of iterations this share runs.
    pub(crate) index: u32,
    /// Iterations of worker `index`'s sequence before this share's first: 0, or for a
    /// replacement of a crashed share, where that share stopped (a capture has its original's).
    pub(crate) offset: u64,
    /// How many crashed shares this one's chain of replacements has replaced.
    pub(crate) generation: u32,
    pub(crate) spec: WorkerSpec,
    /// Iterations and steps reported so far (from progress events).
    pub(crate) iterations: u64,
    pub(crate) steps: u64,
    /// The longest iteration reported so far, in steps.
    pub(crate) max_steps: u32,
    pub(crate) life: Life,
}

impl Share {
    /// A share of worker `index`'s sequence from `offset` on, running `request` with its own
    /// heartbeat file; a capture re-run when `capture` is given.
    pub(crate) fn new(
        s: &Session<'_>,
        index: u32,
        offset: u64,
        request: RunRequest,
        capture: Option<Capture>,
    ) -> Share {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let heartbeat_file = s.tmp.join(format!("worker-{n}.hb"));
        // The heartbeat, then the stop word (see `RunRequest::stop_word`).
        let _ = std::fs::write(&heartbeat_file, [0u8; 16]);
        Share {
            index,
            offset,
            generation: 0,
            spec: WorkerSpec {
                lib: s.lib_path.clone(),
                request,
                heartbeat_file,
                iteration_timeout_ms: s.plan.iteration_timeout.as_millis() as u64,
                allow_real_clock: s.plan.allow_real_clock,
            },
            iterations: 0,
            steps: 0,
            max_steps: 0,
            life: match capture {
                Some(capture) => Life::Capturing {
                    capture,
                    resumes: None,
                },
                None => Life::Working,
            },
        }
    }

    /// Whether this share is a capture re-run (not counted in the statistics).
    pub(crate) fn is_capture(&self) -> bool {
        matches!(
            self.life,
            Life::Capturing { .. } | Life::Ended(End::Captured)
        )
    }

    /// Whether its worker has exited.
    pub(crate) fn is_ended(&self) -> bool {
        matches!(self.life, Life::Ended(_))
    }

    /// The failure a capture re-run is capturing.
    pub(crate) fn capture_mut(&mut self) -> Option<&mut Capture> {
        match &mut self.life {
            Life::Capturing { capture, .. } => Some(capture),
            _ => None,
        }
    }

    /// The worker sent its result.
    pub(crate) fn reported(&mut self, result: RunResult) {
        self.iterations = result.iterations;
        self.steps = result.total_steps;
        self.max_steps = self.max_steps.max(result.max_steps_seen);
        if matches!(self.life, Life::Working | Life::Stopping) {
            self.life = Life::Reported(result);
        }
    }

    /// A capture re-run under `--explore` with an exhaustive strategy: once it has captured the
    /// failure, share `original` resumes right after it.
    pub(crate) fn resume_after_capture(&mut self, original: usize) {
        if let Life::Capturing { resumes, .. } = &mut self.life {
            *resumes = Some(original);
        }
    }

    /// Its worker's watchdog reported a hang in a work share (whose worker exits next).
    pub(crate) fn hung(&mut self, capture: Capture) {
        if matches!(self.life, Life::Working | Life::Stopping) {
            self.life = Life::Hanging(capture);
        }
    }

    /// The run stops this share (a no-op unless it is working).
    pub(crate) fn stop(&mut self) {
        if matches!(self.life, Life::Working) {
            self.life = Life::Stopping;
        }
    }

    /// Its worker exited: the share ends, and says what is left to do.
    pub(crate) fn close(&mut self) -> Closed {
        let (end, closed) = match std::mem::replace(&mut self.life, Life::Ended(End::Stopped)) {
            Life::Capturing { capture, resumes } => {
                (End::Captured, Closed::Captured(capture, resumes))
            }
            Life::Hanging(c) => (End::Failed, Closed::Hung(c)),
            Life::Reported(r) => (End::Finished(r), Closed::Nothing),
            Life::Stopping => (End::Stopped, Closed::Nothing),
            Life::Working => (End::Failed, Closed::Crashed),
            Life::Ended(end) => (end, Closed::Nothing),
        };
        self.life = Life::Ended(end);
        closed
    }

    /// The library's result, if the share finished.
    pub(crate) fn result(&self) -> Option<&RunResult> {
        match &self.life {
            Life::Reported(r) | Life::Ended(End::Finished(r)) => Some(r),
            _ => None,
        }
    }

    /// Asks the worker to stop after its current iteration, as if its share were done: sets
    /// the stop word after the heartbeat in the file the worker maps (a no-op for a worker not
    /// started with `stop_word`).
    pub(crate) fn ask_to_stop(&self) {
        use std::os::unix::fs::FileExt;
        if let Ok(f) = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.spec.heartbeat_file)
        {
            let _ = f.write_at(&1u64.to_le_bytes(), 8);
        }
    }

    /// Iterations started, by the heartbeat (which outlives a dead worker).
    pub(crate) fn heartbeat(&self) -> u64 {
        read_heartbeat(&self.spec.heartbeat_file)
    }
}

fn read_heartbeat(path: &Path) -> u64 {
    std::fs::read(path)
        .ok()
        .and_then(|b| {
            b.get(..8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_core::strategy::Bounds;

    fn share(capture: Option<Capture>) -> Share {
        let request = RunRequest {
            test: "t".into(),
            strategy: "random".into(),
            seed: 1,
            iterations: 10,
            bounds: Bounds::default(),
            step_bound_is_bug: false,
            stop_on_first_bug: true,
            progress_ms: 100,
            capture_from: None,
            worker: 0,
            coverage: false,
            resume_after: None,
            saturation: true,
            stop_word: false,
            split: None,
        };
        Share {
            index: 0,
            offset: 0,
            generation: 0,
            spec: WorkerSpec {
                lib: "l.so".into(),
                request,
                heartbeat_file: "/nonexistent/hb".into(),
                iteration_timeout_ms: 1000,
                allow_real_clock: false,
            },
            iterations: 0,
            steps: 0,
            max_steps: 0,
            life: match capture {
                Some(capture) => Life::Capturing {
                    capture,
                    resumes: None,
                },
                None => Life::Working,
            },
        }
    }

    fn result(iterations: u64) -> RunResult {
        RunResult {
            iterations,
            ..Default::default()
        }
    }

    fn hang() -> Capture {
        Capture::new(BugKind::Hang, "stuck".into(), 3)
    }

    #[test]
    fn a_worker_that_exits_without_a_result_crashed() {
        let mut sh = share(None);
        assert!(matches!(sh.close(), Closed::Crashed));
        assert!(matches!(sh.life, Life::Ended(End::Failed)));
        assert!(matches!(sh.close(), Closed::Nothing), "ends once");
        assert_eq!(sh.heartbeat(), 0, "a missing heartbeat file counts nothing");
    }

    #[test]
    fn a_result_survives_a_late_stop() {
        let mut sh = share(None);
        sh.reported(result(7));
        sh.stop();
        assert!(matches!(sh.close(), Closed::Nothing));
        assert_eq!(sh.result().map(|r| r.iterations), Some(7));
        assert_eq!(sh.iterations, 7);
        let mut sh = share(None);
        sh.stop();
        sh.reported(result(4));
        assert_eq!(
            sh.result().map(|r| r.iterations),
            Some(4),
            "it finished first"
        );
    }

    #[test]
    fn a_stopped_share_ends_stopped_but_a_hang_is_still_captured() {
        let mut sh = share(None);
        sh.stop();
        assert!(matches!(sh.close(), Closed::Nothing));
        assert!(matches!(sh.life, Life::Ended(End::Stopped)));
        let mut sh = share(None);
        sh.hung(hang());
        sh.stop();
        assert!(matches!(sh.close(), Closed::Hung(c) if c.iteration == 3));
        assert!(matches!(sh.life, Life::Ended(End::Failed)));
    }

    #[test]
    fn a_capture_stays_a_capture_and_says_what_it_resumes() {
        let mut sh = share(Some(hang()));
        assert!(sh.is_capture());
        sh.stop();
        sh.hung(hang());
        sh.resume_after_capture(5);
        sh.capture_mut()
            .unwrap()
            .decisions
            .push(Decision::Bool(true));
        match sh.close() {
            Closed::Captured(c, resumes) => {
                assert_eq!((c.decisions.len(), resumes), (1, Some(5)));
            }
            _ => panic!("a capture ends captured"),
        }
        assert!(sh.is_capture() && sh.is_ended());
        assert!(sh.result().is_none());
    }
}
