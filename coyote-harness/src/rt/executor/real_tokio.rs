//! Reports of the real tokio crate used inside a controlled task (not the drop-in, not the
//! harness), which coyote does not control: its operations are no scheduling points, so the
//! bugs between them go unfound. Four ways show it:
//!
//! * tokio's cooperative budget, spent by a real lock, semaphore, channel receive or timer
//!   (see `coop`): checked after every poll;
//! * a task that returned `Pending` without a scheduling point or a controlled wait (see
//!   `Tasks::paused_off_control`), then woken by a real tokio primitive (`Notify`, `watch`,
//!   `broadcast`, `Barrier`, ...; they take no budget): its wake is looked at;
//! * such a task never woken, when no task can run: its body is dropped first, and a waker of
//!   ours that tokio drops with it names the tokio future it waited on;
//! * a task that wakes itself through a waker from inside tokio, first in its step
//!   (`tokio::task::yield_now`, which takes no budget and makes the task wait on nothing).
//!
//! Invariants: nothing here runs on the hot path but the budget check (and, for a task waking
//! itself through a waker, a look at its state); a backtrace is taken only for a wake of a task
//! waiting off control, a task's first self-wake in a step through a waker, or a drop in the
//! probe, once per pair of locations (waiter's, waker's; a self-wake's is the task's) found not
//! to be tokio's (kept for the executor's life, so a pair that once woke without tokio and
//! later through it is missed); a wake or drop from the
//! harness's or the drop-in's own primitives (they wrap tokio's) is never reported.

use super::Executor;
use crate::rt::coop;
use crate::rt::waker;
use coyote_core::trace::{BugKind, Failure};
use std::panic::{catch_unwind, AssertUnwindSafe, Location};

/// How many (waiter, waker) locations of wakes not from tokio are remembered: a program that
/// waits on futures of other crates (a hand-made one, `futures::channel`) pays one backtrace per
/// pair of places, not one per wake.
const MAX_CLEAN_WAKES: usize = 256;

/// The hint of every report of the real tokio crate used in a test.
pub(super) const USE_THE_DROP_IN: &str = "use the drop-in, `tokio = { package = \"coyote-tokio\", ... }` in Cargo.toml, whose tokio paths are controlled in tests and are tokio in production (or coyote_harness::task, time and sync)";

impl Executor {
    /// The failure of task `id`, which used a real tokio operation in the step that resumed
    /// it at `resumed_at` (its budget was spent; see `coop`).
    #[cold]
    pub(super) fn real_tokio_failure(
        &self,
        id: u32,
        resumed_at: &'static Location<'static>,
    ) -> Failure {
        let site = self
            .tokio_site
            .borrow_mut()
            .take()
            .filter(|s| !s.is_empty());
        let (location, place) = match site {
            Some(s) if s.starts_with("in ") => (None, format!(" ({s})")),
            Some(s) => (Some(s), String::new()),
            None => (
                None,
                format!(
                    " in the code it ran from {}",
                    crate::rt::tasks::fmt_loc(resumed_at)
                ),
            ),
        };
        Failure {
            kind: BugKind::Uncontrolled,
            message: format!(
                "the test used the real tokio crate inside a controlled task{place}: an operation of tokio::sync (Mutex, RwLock, Semaphore, mpsc, oneshot) or another tokio future that counts tokio's cooperative budget; coyote does not control it, so its operations are no scheduling points and the bugs between them go unfound; {USE_THE_DROP_IN}"
            ),
            task: Some(self.task_label(id)),
            location,
        }
    }

    /// `task`, which waited on a future coyote does not control, was just woken: if the wake
    /// came from inside a real tokio primitive the user called, the iteration fails.
    #[cold]
    #[inline(never)]
    pub(super) fn woken_off_control(&self, task: u32) {
        if self.tearing_down.get() {
            return;
        }
        let by = self.tasks.current();
        let key = {
            let table = self.tasks.table();
            let loc = |t: u32| {
                table
                    .get(t as usize)
                    .map_or(0, |t| t.loc as *const Location<'static> as usize)
            };
            (loc(task), loc(by))
        };
        self.fail_if_woken_from_tokio(key, by, |tokio_fn, at| {
            format!(
                "the test used the real tokio crate inside a controlled task: {} waited on a tokio future, and {tokio_fn}{at} woke it; coyote does not control tokio's Notify, watch, broadcast, Barrier or other primitives, so their waits are no scheduling points and the bugs around them go unfound; {USE_THE_DROP_IN}",
                self.task_label(task),
            )
        });
    }

    /// The running `task` woke itself through a waker, first in its step, not at a scheduling
    /// point of ours (they wake it directly, or through a combinator's waker after marking the
    /// point): if the wake came from inside tokio (`tokio::task::yield_now`, whose
    /// `context::defer` wakes at once outside a runtime), the iteration fails. A wake from
    /// elsewhere (a hand-made yield, a combinator's waker at one of our points) is remembered
    /// by the task's location, so a program that yields so pays one backtrace per place.
    #[cold]
    #[inline(never)]
    pub(super) fn woke_itself(&self, task: u32) {
        if self.tearing_down.get() || self.ending.any.get() {
            return;
        }
        // (Second half 0: never a waker's location, so apart from `woken_off_control`'s keys.)
        let key = (
            self.tasks.table()[task as usize].loc as *const Location<'static> as usize,
            0,
        );
        self.fail_if_woken_from_tokio(key, task, |tokio_fn, at| {
            let mut tokio_fn = tokio_fn;
            while let Some(f) = tokio_fn.strip_suffix("::{{closure}}") {
                tokio_fn = f;
            }
            format!(
                "the test used the real tokio crate inside a controlled task: {tokio_fn}{at} woke {} itself (tokio::task::yield_now does, outside a tokio runtime); coyote does not control it, so it is no scheduling point and the schedules around it go unexplored; {USE_THE_DROP_IN}",
                self.task_label(task),
            )
        });
    }

    /// A wake under the locations `key`, by task `by`: when the stack shows it came from inside
    /// tokio, the iteration fails with `message(tokio's function, " (where)" or "")`, at the
    /// user's line when the stack has one; otherwise `key` is remembered as clean (up to
    /// [`MAX_CLEAN_WAKES`]), so the next such wake takes no backtrace.
    fn fail_if_woken_from_tokio(
        &self,
        key: (usize, usize),
        by: u32,
        message: impl FnOnce(&str, &str) -> String,
    ) {
        if self.clean_wakes.borrow().contains(&key) {
            return;
        }
        let stack = std::backtrace::Backtrace::force_capture().to_string();
        let Some((tokio_fn, site)) = coop::tokio_caller(&stack) else {
            let mut clean = self.clean_wakes.borrow_mut();
            if clean.len() < MAX_CLEAN_WAKES {
                clean.push(key);
            }
            return;
        };
        self.ending.fail(|| {
            let (location, at) = match site {
                Some(s) if s.starts_with("in ") => (None, format!(" ({s})")),
                Some(s) => (Some(s), String::new()),
                None => (None, String::new()),
            };
            Failure {
                kind: BugKind::Uncontrolled,
                message: message(&tokio_fn, &at),
                task: Some(self.task_label(by)),
                location,
            }
        });
    }

    /// No task can run and `main` is not done: the failure. A task left waiting on a future
    /// coyote does not control is probed first (its body dropped, watching for tokio to drop
    /// its waker), so a wait on the real tokio crate is reported as such, not as a deadlock.
    pub(super) fn stuck(&self) -> Failure {
        for id in self.tasks.off_control() {
            let body = self.tasks.take_body(id);
            let probe = waker::Probe::start();
            // As at teardown: what the drop wakes or reaches is not looked at.
            self.tearing_down.set(true);
            let _ = catch_unwind(AssertUnwindSafe(move || drop(body)));
            self.tearing_down.set(false);
            if let Some(tokio_type) = probe.finish() {
                let t = &self.tasks.table()[id as usize];
                let (kind, loc) = (t.kind, t.loc);
                return Failure {
                    kind: BugKind::Uncontrolled,
                    message: format!(
                        "the test used the real tokio crate inside a controlled task: {} waits on {tokio_type} (after {kind} at {}), which no controlled task can wake; coyote does not control tokio's primitives, so their waits are no scheduling points and the bugs around them go unfound; {USE_THE_DROP_IN}",
                        self.task_label(id),
                        crate::rt::tasks::fmt_loc(loc),
                    ),
                    task: Some(self.task_label(id)),
                    location: None,
                };
            }
        }
        self.deadlock(&self.tasks.table())
    }
}
