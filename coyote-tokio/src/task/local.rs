//! `LocalSet` and `spawn_local`: tokio's in production; in a test, controlled tasks.
//!
//! Invariant (what makes the `Send` wrapper below sound): in test mode a task is created,
//! polled and dropped on the one thread that runs the controlled executor, so a `!Send` future
//! never crosses threads; in production the future goes to tokio's `spawn_local`, unwrapped.

use coyote_harness::is_test_mode;
use coyote_harness::task::JoinHandle;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// A `!Send` future, made `Send` for the controlled executor, which never moves it off its
    /// thread (see the module invariant).
    struct OnThisThread<F> {
        #[pin]
        inner: F,
    }
}

// SAFETY: only built in test mode, where the controlled executor polls and drops every task on
// the thread that spawned it (the module invariant); the value never reaches another thread.
unsafe impl<F> Send for OnThisThread<F> {}

impl<F: Future> Future for OnThisThread<F> {
    type Output = Local<F::Output>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx).map(Local)
    }
}

/// A `!Send` output, under the same invariant.
struct Local<T>(T);
// SAFETY: as `OnThisThread`: test mode only, one thread.
unsafe impl<T> Send for Local<T> {}

/// Spawns a `!Send` future; mirrors `tokio::task::spawn_local` (in production it must be
/// called inside a `LocalSet`). In a test it is a controlled task, as `spawn`'s.
#[track_caller]
pub fn spawn_local<F>(future: F) -> LocalJoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if is_test_mode() {
        LocalJoinHandle(Handle::Controlled(coyote_harness::task::spawn(
            OnThisThread { inner: future },
        )))
    } else {
        LocalJoinHandle(Handle::Tokio(tokio::task::spawn_local(future)))
    }
}

/// The handle `spawn_local` returns: awaits to `Result<T, JoinError>` like a `JoinHandle`.
pub struct LocalJoinHandle<T>(Handle<T>);

enum Handle<T> {
    Tokio(tokio::task::JoinHandle<T>),
    Controlled(JoinHandle<Local<T>>),
}

impl<T> std::fmt::Debug for LocalJoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinHandle")
    }
}

impl<T: 'static> LocalJoinHandle<T> {
    /// Cancels the task.
    pub fn abort(&self) {
        match &self.0 {
            Handle::Tokio(h) => h.abort(),
            Handle::Controlled(h) => h.abort(),
        }
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        match &self.0 {
            Handle::Tokio(h) => h.is_finished(),
            Handle::Controlled(h) => h.is_finished(),
        }
    }
}

impl<T: 'static> Future for LocalJoinHandle<T> {
    type Output = Result<T, super::JoinError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            Handle::Tokio(h) => match Pin::new(h).poll(cx) {
                Poll::Ready(Ok(v)) => Poll::Ready(Ok(v)),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e.into())),
                Poll::Pending => Poll::Pending,
            },
            Handle::Controlled(h) => Pin::new(h).poll(cx).map(|r| r.map(|l| l.0)),
        }
    }
}

/// A set of tasks that run on one thread; mirrors `tokio::task::LocalSet`. In a test every
/// task already runs on the test's thread, so it only runs the future it is given.
#[derive(Debug, Default)]
pub struct LocalSet {
    inner: Option<tokio::task::LocalSet>,
}

impl LocalSet {
    /// A new, empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            inner: (!is_test_mode()).then(tokio::task::LocalSet::new),
        }
    }

    /// Spawns a `!Send` task on the set.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match &self.inner {
            Some(set) => LocalJoinHandle(Handle::Tokio(set.spawn_local(future))),
            None => spawn_local(future),
        }
    }

    /// Runs `future` with the set's tasks until it completes.
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        match &self.inner {
            Some(set) => set.run_until(future).await,
            None => future.await,
        }
    }

    /// Runs `future` on `rt` with the set's tasks; production only (a test cannot block).
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::runtime::Runtime, future: F) -> F::Output {
        match &self.inner {
            Some(set) => set.block_on(rt.tokio(), future),
            None => crate::runtime::no_blocking_in_test("LocalSet::block_on"),
        }
    }
}
