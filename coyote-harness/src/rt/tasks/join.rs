//! Joins: what the scheduling point before a task joins another records, and the poll of the
//! join.
//!
//! Invariant: a join that is not ready registers its waker with the joined task and blocks the
//! running task on it, in one borrow of the table.

use super::{Pause, Tasks, JOINS_SEVERAL};
use crate::rt::op::OpKind;
use coyote_core::strategy::Access;
use std::any::Any;
use std::panic::Location;
use std::task::{Poll, Waker};

impl Tasks {
    /// The running task is about to join `task` (`None`: a handle of an earlier iteration,
    /// which joins nothing) at the scheduling point it makes next; returns the access of that
    /// point.
    #[inline]
    pub(crate) fn about_to_join(&self, task: Option<u32>, step: u32) -> Access {
        let access = task.map_or(Access::NONE, Access::completion_of);
        if let Some(task) = task {
            self.with_current(|t| t.joining(task, step));
        }
        access
    }

    /// The running task's pending wait for several tasks was made at `loc` (`join_all`'s caller).
    #[inline]
    pub(crate) fn join_site(&self, loc: &'static Location<'static>) {
        self.with_current(|t| {
            if t.joins == JOINS_SEVERAL {
                t.loc = loc;
            }
        });
    }

    /// Polls a join of `task`: its output if it is done, else registers `waker` and blocks the
    /// running task on the join.
    #[inline]
    pub(crate) fn poll_join(
        &self,
        task: u32,
        waker: &Waker,
        loc: &'static Location<'static>,
        step: u32,
    ) -> Poll<Option<Box<dyn Any>>> {
        let mut table = self.table.borrow_mut();
        let t = &mut table[task as usize];
        if t.state.is_done() {
            return Poll::Ready(t.output.take());
        }
        t.join_waker = Some(waker.clone());
        let me = &mut table[self.current.get() as usize];
        me.kind = OpKind::Join;
        me.loc = loc;
        me.pause = Pause::Blocked;
        me.joining(task, step);
        Poll::Pending
    }
}
