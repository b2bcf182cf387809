//! The virtual clock: the iteration's time and every task's pending timer.
//!
//! Invariants:
//! * time starts at zero each iteration and moves only forward, and only when the strategy picks
//!   a task for its timer (to that timer's deadline, if it is later than now);
//! * there is one timer slot per task, index for index with the task table; a task has at most
//!   one pending deadline (the earliest it asked for), cleared whenever the task is chosen, so a
//!   timer fires at most once and a woken task's stale timer never fires later;
//! * `pending` is the number of tasks with a timer.

use std::cell::{Cell, Ref, RefCell};
use std::time::Duration;

/// See the module docs.
pub(crate) struct Clock {
    now: Cell<Duration>,
    timers: RefCell<Vec<Option<Duration>>>,
    /// How many of `timers` are set (so the loop skips them all when none is).
    pending: Cell<u32>,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            now: Cell::new(Duration::ZERO),
            timers: RefCell::new(Vec::with_capacity(16)),
            pending: Cell::new(0),
        }
    }

    /// Back to time zero, with no tasks.
    pub(crate) fn reset(&self) {
        self.now.set(Duration::ZERO);
        self.timers.borrow_mut().clear();
        self.pending.set(0);
    }

    /// A slot for a new task (tasks are added in id order).
    #[inline]
    pub(crate) fn add_task(&self) {
        self.timers.borrow_mut().push(None);
    }

    /// Virtual time since the iteration started.
    #[inline]
    pub(crate) fn now(&self) -> Duration {
        self.now.get()
    }

    /// Whether some task has a timer.
    #[inline]
    pub(crate) fn any_pending(&self) -> bool {
        self.pending.get() > 0
    }

    /// Every task's pending deadline, index for index with the task table.
    #[inline]
    pub(crate) fn timers(&self) -> Ref<'_, Vec<Option<Duration>>> {
        self.timers.borrow()
    }

    /// `task` wakes at `deadline` unless it has an earlier one.
    #[inline]
    pub(crate) fn set_timer(&self, task: u32, deadline: Duration) {
        let mut timers = self.timers.borrow_mut();
        let t = &mut timers[task as usize];
        match t {
            Some(d) => *d = (*d).min(deadline),
            None => {
                *t = Some(deadline);
                self.pending.set(self.pending.get() + 1);
            }
        }
    }

    /// Sets `task`'s timer to exactly `deadline` (`None`: no timer), whatever it was; for a
    /// timer that serves several (an actor's timers: the earliest of them may be stopped).
    #[inline]
    pub(crate) fn replace(&self, task: u32, deadline: Option<Duration>) {
        let mut timers = self.timers.borrow_mut();
        let t = &mut timers[task as usize];
        match (t.is_some(), deadline.is_some()) {
            (false, true) => self.pending.set(self.pending.get() + 1),
            (true, false) => self.pending.set(self.pending.get() - 1),
            _ => {}
        }
        *t = deadline;
    }

    /// Forgets `task`'s timer (it finished or was aborted).
    #[inline]
    pub(crate) fn cancel(&self, task: u32) {
        if let Some(Some(_)) = self
            .timers
            .borrow_mut()
            .get_mut(task as usize)
            .map(Option::take)
        {
            self.pending.set(self.pending.get() - 1);
        }
    }

    /// `task` was chosen: its timer is cleared; if it was chosen for it (`fires`), time moves to
    /// its deadline if that is later, and the time it fired at is returned.
    #[inline]
    pub(crate) fn chosen(&self, task: u32, fires: bool) -> Option<Duration> {
        let deadline = self.timers.borrow_mut()[task as usize].take();
        if deadline.is_some() {
            self.pending.set(self.pending.get() - 1);
        }
        if !fires {
            return None;
        }
        let deadline = deadline.expect("schedulable by timer");
        if deadline > self.now.get() {
            self.now.set(deadline);
        }
        Some(self.now.get())
    }
}
