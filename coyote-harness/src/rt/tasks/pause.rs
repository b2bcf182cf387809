//! Where the running task stops: the scheduling point it pauses at, what it waits on, and the
//! self-wake of a point on a coroutine (the calls a resource makes during a poll).
//!
//! Invariant: each call touches one task's entry (the running task's, but for
//! `task_waits_for`), in one borrow of the table.

use super::{woken_by, Pause, Task, TaskState, Tasks};
use crate::rt::op::OpKind;
use coyote_core::strategy::Access;
use std::panic::Location;

impl Tasks {
    /// The running task stops at a scheduling point (`pause`) before doing `kind` at `loc`.
    #[inline]
    pub(crate) fn pause_at(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
        pause: Pause,
    ) {
        self.with_current(|t| {
            t.kind = kind;
            t.loc = loc;
            t.access = access;
            t.pause = pause;
        });
    }

    /// The running task stops at the scheduling point before doing `kind` at `loc`; returns
    /// whether it was woken already since its step began.
    #[inline]
    pub(crate) fn pause_at_point(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
    ) -> bool {
        self.with_current(|t| {
            at_point(t, kind, loc, access);
            t.state == TaskState::Woken
        })
    }

    /// [`Tasks::pause_at_point`] and the running task's own wake at `step` (what its waker
    /// does, [`Tasks::wake`]), in one borrow. Returns whether it was woken here (false: woken
    /// already since its step began) and what [`Tasks::wake`] returns (whether it had waited on
    /// a future coyote does not control).
    #[inline(always)]
    pub(crate) fn pause_and_wake_at_point(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
        step: u32,
    ) -> (bool, bool) {
        let current = self.current.get();
        self.with_current(|t| {
            at_point(t, kind, loc, access);
            let waiting = t.state == TaskState::Waiting;
            if waiting {
                t.woken_by = woken_by(current, step);
                t.state = TaskState::Woken;
                self.woken.set(current);
            }
            (waiting, std::mem::take(&mut t.off_control))
        })
    }

    /// Whether the running task, in this poll, stopped at the scheduling point before an
    /// operation (not a bare yield) and woke itself for it: it runs again with no time passing
    /// (a `timeout` polls its future again before it looks at its deadline).
    #[inline]
    pub(crate) fn deferred_at_point(&self) -> bool {
        self.with_current(|t| {
            t.state == TaskState::Woken && t.pause == Pause::Point && t.kind != OpKind::Yield
        })
    }

    /// The running task waits on `kind` at `loc` (a timer), touching what it touched.
    #[inline]
    pub(crate) fn waits_for(&self, kind: OpKind, loc: &'static Location<'static>) {
        self.with_current(|t| {
            t.kind = kind;
            t.loc = loc;
            t.pause = Pause::Blocked;
        });
    }

    /// `task` (not the running one) waits on `kind` at `loc`: what the log shows when its timer
    /// fires (an actor's timer task, re-armed by the actor).
    #[inline]
    pub(crate) fn task_waits_for(&self, task: u32, kind: OpKind, loc: &'static Location<'static>) {
        if let Some(t) = self.table.borrow_mut().get_mut(task as usize) {
            t.kind = kind;
            t.loc = loc;
            t.pause = Pause::Blocked;
        }
    }
}

/// `t` stops at the scheduling point before doing `kind` at `loc`.
#[inline(always)]
fn at_point(t: &mut Task, kind: OpKind, loc: &'static Location<'static>, access: Access) {
    t.kind = kind;
    t.loc = loc;
    t.access = access;
    t.pause = Pause::Point;
}
