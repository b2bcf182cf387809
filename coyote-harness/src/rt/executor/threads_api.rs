//! What controlled threads call (`thread::spawn`, `JoinHandle::join`, a thread's panic, `park`,
//! `unpark`, thread-locals), and the switch of a run to coroutines.
//!
//! Invariant: as for tasks, a handle or `Thread` of an earlier iteration (another generation)
//! touches nothing; values handed back by the thread table are dropped outside its borrow.

use super::{Executor, RestartPayload};
use crate::rt::coro::Coro;
use crate::rt::tasks::{TaskBody, ThreadName};
use coyote_core::trace::Failure;
use std::any::Any;
use std::panic::Location;
use std::task::Waker;

impl Executor {
    /// Spawns a controlled thread running `body` on a coroutine; returns its task id.
    pub(crate) fn spawn_thread(
        &self,
        body: Box<dyn FnOnce()>,
        name: ThreadName,
        loc: &'static Location<'static>,
    ) -> u32 {
        let id = self.tasks.table().len() as u32;
        let coro = Coro::new(self.generation.get(), id, body);
        self.recorder.mark_thread(id);
        let spawned = self.spawn_as_is(TaskBody::Future(Box::pin(coro)), loc);
        debug_assert_eq!(spawned, id);
        self.tasks.set_thread(id, name);
        id
    }

    /// Whether the running task is a controlled thread.
    pub(crate) fn current_is_thread(&self) -> bool {
        self.tasks.is_thread(self.tasks.current())
    }

    /// The name of `task` if it is a named thread (`main` for the test's entry).
    pub(crate) fn thread_name(&self, task: u32) -> Option<std::sync::Arc<str>> {
        self.tasks.thread_name(task)
    }

    /// Whether task bodies are being dropped (teardown, or a probe of a stuck task): a thread
    /// unwinding now is being dropped, not panicking.
    pub(crate) fn dropping_bodies(&self) -> bool {
        self.tearing_down.get()
    }

    /// The running thread panicked with `message` at `location`: a bug now if its handle is
    /// gone, else when the iteration would complete unless the handle joins it first.
    pub(crate) fn thread_panicked(&self, message: String, location: Option<String>) {
        let task = self.tasks.current();
        // In the log as std prints it to stderr, so that a joiner's `join().unwrap()` failure
        // (`Any { .. }`) is read next to its cause.
        match &location {
            Some(at) => self.note(format_args!("panicked: {message} (at {at})")),
            None => self.note(format_args!("panicked: {message}")),
        }
        let failure = Failure {
            kind: coyote_core::trace::BugKind::Panic,
            message,
            task: Some(self.tasks.label(task)),
            location,
        };
        if let Some(f) = self.threads.panicked(task, failure) {
            self.ending.fail(|| f);
        }
    }

    /// Thread `task` (of iteration `generation`) was joined: its panic is the joiner's.
    pub(crate) fn thread_joined(&self, task: u32, generation: u32) {
        if generation == self.generation.get() {
            self.threads.joined(task);
        }
    }

    /// The handle of thread `task` was dropped without a join.
    pub(crate) fn thread_detached(&self, task: u32, generation: u32) {
        if generation != self.generation.get() {
            return;
        }
        if let Some(f) = self.threads.handle_dropped(task) {
            self.ending.fail(|| f);
        }
    }

    /// `park` of the running task: true if it had a token (consumed), else `waker` is woken by
    /// the next `unpark`.
    pub(crate) fn park(&self, waker: &Waker) -> bool {
        self.threads.park(self.tasks.current(), waker)
    }

    /// `unpark` of `task` (of iteration `generation`).
    pub(crate) fn unpark(&self, task: u32, generation: u32) {
        if generation != self.generation.get() {
            return;
        }
        if let Some(w) = self.threads.unpark(task) {
            w.wake();
        }
    }

    /// The running task's value of thread-local `key`, made with `init` on first use.
    pub(crate) fn thread_local(
        &self,
        key: usize,
        init: &dyn Fn() -> Box<dyn Any>,
    ) -> *const dyn Any {
        let task = self.tasks.current();
        if let Some(p) = self.threads.local(key, task) {
            return p;
        }
        let value = init();
        // `init` may have used another thread-local, or this one (std would panic or recurse).
        if let Some(p) = self.threads.local(key, task) {
            drop(value);
            return p;
        }
        self.threads.set_local(key, task, value)
    }

    /// The running thread ends: its thread-locals are dropped (as std drops them at exit).
    pub(crate) fn thread_exit(&self) {
        let remains = self.threads.take_locals(self.tasks.current());
        drop(remains);
    }

    /// A scheduling point was reached off a coroutine (in a task's poll, or a drop of the run
    /// loop's; it cannot suspend there): from now on every task of this run is spawned on one,
    /// and the iteration is restarted at once (see [`super::IterationOutcome::Restart`]); the
    /// unwind this starts is caught around the poll or the drop. Nothing at teardown.
    #[cold]
    pub(crate) fn request_coroutines(&self) {
        if self.tearing_down.get() || self.coroutines.get() {
            return;
        }
        self.coroutines.set(true);
        self.ending.restart.set(true);
        self.ending.any.set(true);
        std::panic::resume_unwind(Box::new(RestartPayload));
    }
}
