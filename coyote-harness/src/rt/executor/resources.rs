//! What resources call during a poll of the running task: the scheduling point before an
//! operation, blocking on a primitive, waking a task, the virtual clock, notes for the log,
//! failures, monitors and actor coverage. This is the whole surface a kind of resource (a
//! primitive, a simulated network) needs; see the `rt` module docs.
//!
//! Invariants: each call touches the running task only (the one being polled), borrows one part
//! at a time and never across user code (a monitor's handler, a note's formatting, a `Debug`).

use super::Executor;
use crate::rt::coop;
use crate::rt::coverage::Activity;
use crate::rt::monitors::ErasedMonitor;
use crate::rt::op::OpKind;
use crate::rt::recorder::{Record, Taken};
use crate::rt::tasks::{fmt_loc, Pause, TaskState};
use coyote_core::strategy::Access;
use coyote_core::trace::{BugKind, Failure};
use std::any::TypeId;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

impl Executor {
    /// The running task reached a scheduling point before doing `kind` at `loc`, and wakes
    /// itself (as its waker would: a [`YieldPoint`](crate::rt::YieldPoint) without the future,
    /// for a point on a coroutine).
    #[inline]
    pub(crate) fn point_and_wake_current(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
    ) {
        // `wake`'s checks for the running task (its generation is this one's).
        if coop::empty() {
            self.note_tokio_site();
        }
        let _ = self
            .tasks
            .pause_and_wake_at_point(kind, loc, access, self.step.get());
    }

    /// Whether the running task stopped, in this poll, at the scheduling point before an
    /// operation (see `Tasks::deferred_at_point`).
    #[inline]
    pub(crate) fn deferred_at_point(&self) -> bool {
        self.tasks.deferred_at_point()
    }

    /// The running task waits on a primitive for `kind` at `loc`.
    #[inline]
    pub(crate) fn blocked_on(&self, kind: OpKind, loc: &'static Location<'static>, access: Access) {
        self.tasks.pause_at(kind, loc, access, Pause::Blocked);
    }

    /// What the running task's `kind` on `access`'s object came to, for the step log: it
    /// `blocked`, or got past (after waking, if `woke`).
    #[inline]
    pub(crate) fn outcome(&self, kind: OpKind, access: Access, blocked: bool, woke: bool) {
        if !self.recorder.keeps_log() {
            return;
        }
        self.recorder
            .outcome(self.tasks.current(), kind, access.object, blocked, woke);
    }

    /// Wakes `task` if the waker belongs to this iteration; false otherwise.
    #[inline]
    pub(crate) fn wake(&self, generation: u32, task: u32) -> bool {
        if generation != self.generation.get() {
            return false;
        }
        if task == self.tasks.current() {
            self.wakes_itself(task);
        }
        if self.tasks.wake(task, self.step.get()) {
            self.woken_off_control(task);
        }
        true
    }

    /// The running `task` wakes itself through a waker (rare: points of ours wake it without
    /// one), out of line so the wake path stays small.
    #[cold]
    #[inline(never)]
    fn wakes_itself(&self, task: u32) {
        if coop::empty() {
            // It spent its tokio budget on a real tokio operation: the wake is from inside
            // tokio (a second budgeted operation), at the user's line.
            self.note_tokio_site();
        } else if self.tasks.table()[task as usize].state == TaskState::Waiting {
            // First in its step: a real `tokio::task::yield_now`? (See `real_tokio`.)
            self.woke_itself(task);
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn note_tokio_site(&self) {
        if self.tokio_site.borrow().is_some() {
            return;
        }
        let stack = std::backtrace::Backtrace::force_capture().to_string();
        let site = coop::call_site(&stack).unwrap_or_default();
        *self.tokio_site.borrow_mut() = Some(site);
    }

    /// Virtual time since the iteration started.
    #[inline]
    pub(crate) fn now(&self) -> Duration {
        self.clock.now()
    }

    /// The running task sleeps until `deadline` (virtual).
    /// `what` names the wait for logs; `None` keeps what the task already waits on (a timeout
    /// around another operation).
    #[inline]
    pub(crate) fn register_timer(
        &self,
        deadline: Duration,
        what: Option<(OpKind, &'static Location<'static>)>,
    ) {
        self.clock.set_timer(self.tasks.current(), deadline);
        if let Some((kind, loc)) = what {
            self.tasks.waits_for(kind, loc);
        }
    }

    /// Sets the timer of `task` (an actor's timer task; the running task or not) to exactly
    /// `deadline`, logged at `loc` when it fires; `None` clears it. A done task gets none.
    #[inline]
    pub(crate) fn set_timer_of(
        &self,
        task: u32,
        deadline: Option<(Duration, &'static Location<'static>)>,
    ) {
        if self.tasks.is_done(task) {
            return;
        }
        self.clock.replace(task, deadline.map(|(d, _)| d));
        if let Some((_, loc)) = deadline {
            self.tasks.task_waits_for(task, OpKind::ActorTimer, loc);
        }
    }

    /// Adds a line to the step log, in the running task (an actor's event sent or handled, a
    /// state machine's transition); `text` is formatted outside any borrow.
    pub(crate) fn note(&self, text: fmt::Arguments<'_>) {
        self.recorder
            .note(self.tasks.current(), self.step.get(), text);
    }

    /// Records a failure (a failed `spec::assert`, a monitor); the first one wins.
    pub(crate) fn fail(
        &self,
        kind: BugKind,
        message: String,
        loc: Option<&'static Location<'static>>,
    ) {
        self.ending.fail(|| Failure {
            kind,
            message,
            task: Some(self.tasks.label(self.tasks.current())),
            location: loc.map(fmt_loc),
        });
    }

    /// Takes monitor `type_id` out of its slot, making it with `make` if this iteration has
    /// none yet; the [`Held`] puts it back.
    pub(crate) fn take_monitor(
        &self,
        type_id: TypeId,
        name: &'static str,
        make: fn() -> Box<dyn ErasedMonitor>,
        loc: &'static Location<'static>,
    ) -> Held<'_> {
        let (index, monitor) = self.monitors.take(type_id, name, make, loc);
        Held {
            ex: self,
            index,
            name,
            monitor: Some(monitor),
            loc,
        }
    }

    /// Whether actor activity is being counted (coverage was asked for, in a test).
    pub(crate) fn counts_activity(&self) -> bool {
        self.coverage.is_on()
    }

    /// Adds `n` to what `actor` did with `name` (an event or a state).
    pub(crate) fn count_activity(
        &self,
        actor: &str,
        what: Activity,
        name: &dyn fmt::Debug,
        n: u64,
    ) {
        self.coverage.count_activity(actor, what, name, n);
    }

    /// Counts a transition of a machine of type `actor` from state `from` to `to`.
    pub(crate) fn count_transition(&self, actor: &str, from: &dyn fmt::Debug, to: &dyn fmt::Debug) {
        self.coverage.count_transition(actor, from, to);
    }
}

/// A monitor out of its slot while it handles an event; puts it back (and takes its new
/// temperature, logging a change) when dropped, also when the handler panics.
pub(crate) struct Held<'a> {
    ex: &'a Executor,
    index: usize,
    name: &'static str,
    monitor: Option<Box<dyn ErasedMonitor>>,
    loc: &'static Location<'static>,
}

impl Held<'_> {
    /// The monitor (it is `None` only inside `drop`).
    pub(crate) fn monitor(&mut self) -> &mut (dyn ErasedMonitor + 'static) {
        self.monitor.as_deref_mut().expect("held until dropped")
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let Some(m) = self.monitor.take() else {
            return;
        };
        let ex = self.ex;
        if std::thread::panicking() {
            // The handler failed (the iteration ends with that failure): put the monitor back
            // without asking its temperature, whose panic now would abort the process.
            ex.monitors.put_back(self.index, m);
            return;
        }
        if ex.coverage.is_on() {
            // User code, outside any borrow (only with coverage on: it allocates).
            ex.coverage.monitor_state(self.name, &m.state());
        }
        let task = ex.tasks.current();
        let changed = ex
            .monitors
            .put(self.index, m, self.loc, ex.step.get(), task);
        if let Some((name, temperature)) = changed {
            ex.recorder.push(Record::Monitor {
                task,
                name,
                temperature,
                loc: self.loc,
            });
        }
    }
}

impl Executor {
    /// The running task took a guard or permits of `object` at `loc`: its [`Taken`] for the
    /// release line, or `None` when the step log is not kept.
    #[inline]
    pub(crate) fn hold(&self, object: u64, loc: &'static Location<'static>) -> Option<Taken> {
        self.recorder.hold(object, self.tasks.current(), loc)
    }

    /// A guard `held` (taken by `kind`) is released by the running task (see
    /// `Recorder::release`); not logged while the iteration tears down.
    #[cold]
    #[inline(never)]
    pub(crate) fn release(&self, held: Taken, kind: OpKind, permits: u32, left: u32) {
        if self.tearing_down.get() {
            self.recorder.forget_holder(held);
            return;
        }
        self.recorder
            .release(self.tasks.current(), held, kind, permits, left);
    }

    /// A semaphore's free permits as its acquire sees them now, for the outcome that follows.
    #[inline]
    pub(crate) fn permits_left(&self, left: usize) {
        if self.recorder.keeps_log() {
            self.recorder
                .set_left(left.min(u32::MAX as usize - 1) as u32);
        }
    }

    /// A guard `held` leaves the log's sight without a release line.
    pub(crate) fn forget_holder(&self, held: Taken) {
        self.recorder.forget_holder(held);
    }
}
