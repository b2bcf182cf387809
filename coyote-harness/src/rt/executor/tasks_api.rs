//! What task handles call (`task::spawn`, `JoinHandle`, `join_all`, `abort`), during a poll of
//! the running task.
//!
//! Invariant: a handle of an earlier iteration (another generation) joins, aborts and wakes
//! nothing; bodies and wakers handed back by the task table are dropped and woken outside its
//! borrow (their code may reach the executor).

use super::Executor;
use crate::rt::op::OpKind;
use crate::rt::recorder::Record;
use crate::rt::tasks::TaskBody;
use std::any::Any;
use std::panic::Location;
use std::task::{Poll, Waker};

impl Executor {
    /// Adds a task; it is woken and starts at the next scheduling point that picks it. In a
    /// run on coroutines (see `request_coroutines`) its body runs on one.
    #[inline]
    pub(crate) fn spawn(&self, body: TaskBody, loc: &'static Location<'static>) -> u32 {
        let body = match body {
            TaskBody::Future(f) if self.coroutines.get() => {
                let id = self.tasks.table().len() as u32;
                TaskBody::Future(Box::pin(crate::rt::coro::Coro::new(
                    self.generation.get(),
                    id,
                    Box::new(move || crate::rt::coro::block_on_current(f)),
                )))
            }
            body => body,
        };
        self.spawn_as_is(body, loc)
    }

    /// [`Executor::spawn`] of a body that is on a coroutine already (a thread's).
    #[inline]
    pub(crate) fn spawn_as_is(&self, body: TaskBody, loc: &'static Location<'static>) -> u32 {
        let id = self.tasks.spawn(body, loc);
        self.clock.add_task();
        if id > 0 {
            self.recorder.push(Record::Spawn {
                parent: self.tasks.current(),
                child: id,
                loc,
            });
        }
        id
    }

    /// The running task reached the scheduling point before joining `task` (of iteration
    /// `generation`; a handle from an earlier iteration joins nothing), in the first poll of
    /// the join, with `waker`: whether it goes on in this poll (the join is polled now, `Ready`
    /// if the task is done, as in tokio) rather than return `Pending`.
    ///
    /// Only a join that would be `Ready` is decided in the poll (see `decide`). A join of a
    /// task still running returns `Pending` at its point, as tokio's would, and is decided when
    /// the poll ends: so the joins one poll makes (`join_all`, `join!`) share one point, whose
    /// access is the last one's, and the task does not block on one join and then wake itself
    /// for the next.
    #[inline]
    pub(crate) fn join_point_in_poll(
        &self,
        task: u32,
        generation: u32,
        loc: &'static Location<'static>,
        waker: &Waker,
    ) -> bool {
        let task = (generation == self.generation.get()).then_some(task);
        let access = self.tasks.about_to_join(task, self.step.get());
        if task.is_some_and(|t| !self.tasks.is_done(t)) {
            self.pause_and_self_wake(OpKind::Join, loc, access, waker);
            return false;
        }
        self.point_in_poll(OpKind::Join, loc, access, waker)
    }

    /// The running task's pending wait for several tasks was made at `loc` (`join_all`'s
    /// caller).
    #[inline]
    pub(crate) fn join_site(&self, loc: &'static Location<'static>) {
        self.tasks.join_site(loc);
    }

    /// Stores the running task's result for its `JoinHandle`.
    #[inline]
    pub(crate) fn set_output(&self, output: Box<dyn Any>) {
        self.tasks.set_output(output);
    }

    /// Polls a join: the output if `task` finished, else registers the waker.
    #[inline]
    pub(crate) fn poll_join(
        &self,
        task: u32,
        waker: &Waker,
        loc: &'static Location<'static>,
    ) -> Poll<Option<Box<dyn Any>>> {
        self.tasks.poll_join(task, waker, loc, self.step.get())
    }

    /// Whether `task` finished or was aborted (`JoinHandle::is_finished`).
    #[inline]
    pub(crate) fn is_done(&self, task: u32) -> bool {
        self.tasks.is_done(task)
    }

    /// Cancels `task` (JoinHandle::abort): it never runs again; its joiner sees a cancellation.
    pub(crate) fn abort(&self, task: u32) {
        let Some(aborted) = self.tasks.abort(task) else {
            return;
        };
        self.clock.cancel(task);
        drop(aborted.body);
        if let Some(w) = aborted.joiner {
            w.wake();
        }
    }

    /// The running task's id.
    #[inline]
    pub(crate) fn current_task(&self) -> u32 {
        self.tasks.current()
    }

    /// The simulated network host `task` runs on (see `net::sim`).
    pub(crate) fn task_host(&self, task: u32) -> u32 {
        self.tasks.host(task)
    }

    /// Moves `task` to simulated host `host`.
    pub(crate) fn set_task_host(&self, task: u32, host: u32) {
        self.tasks.set_host(task, host);
    }

    /// The unfinished tasks on simulated host `host` (a crash aborts them).
    pub(crate) fn tasks_on_host(&self, host: u32) -> Vec<u32> {
        let n = self.tasks.table().len() as u32;
        (0..n)
            .filter(|&t| self.tasks.host(t) == host && !self.tasks.is_done(t))
            .collect()
    }
}
