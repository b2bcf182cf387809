//! Tasks: a mirror of `tokio::task` (`spawn`, `spawn_blocking`, `JoinHandle`, `AbortHandle`,
//! `JoinSet`, `yield_now`, `Id`; plus
//! `join_all`, `select`, `when_any`).
//!
//! In test mode a spawned task is a controlled operation: it runs only when the strategy picks
//! it. `spawn` itself returns at once (as tokio's does) and is not a scheduling point: the
//! spawner keeps running until its next scheduling point, where the strategy may run the new task
//! or the spawner first; both orders are explored. Awaiting a [`JoinHandle`], [`yield_now`],
//! [`yield_read`] and [`yield_write`] are scheduling points. A panic in any task is a bug that ends the iteration.
//!
//! In production mode `spawn` is `tokio::spawn` and needs a tokio runtime.
//!
//! ```
//! use coyote_harness::task;
//! # coyote_harness::check(|| async {
//! let a = task::spawn(async { 1 });
//! let b = task::spawn(async { 2 });
//! let sum: i32 = task::join_all([a, b]).await.into_iter().map(|r| r.unwrap()).sum();
//! assert_eq!(sum, 3);
//! # }, coyote_harness::Config::new().iterations(10));
//! ```

mod combinators;
mod handle;
mod id;
mod join_set;
mod yields;

pub use combinators::{join_all, select, when_any, Either, JoinAll, Select, WhenAny};
pub(crate) use handle::controlled_handle;
pub use handle::{AbortHandle, JoinError, JoinHandle};
use handle::{AbortInner, Inner};
pub use id::{id, try_id, Id};
pub use join_set::{JoinNext, JoinSet};
pub use yields::{yield_now, yield_read, yield_write};

use crate::rt::{in_test, with_executor, TaskBody};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Spawns a task. See the module docs for when it runs.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if in_test() {
        spawn_controlled(future, Location::caller())
    } else {
        JoinHandle {
            inner: Inner::Tokio(tokio::spawn(future)),
        }
    }
}

/// Runs the blocking (synchronous) `f` as a task; mirrors `tokio::task::spawn_blocking`.
///
/// In production it runs on tokio's blocking thread pool. In test mode it is a controlled
/// thread (see [`thread`](crate::thread)): its blocking calls (a lock of
/// [`std::sync`](crate::std::sync), an atomic access, a `block_on` of a future) are scheduling
/// points, so the tasks interleave with it there; a panic in it is a bug.
///
/// ```
/// use coyote_harness::task;
/// # coyote_harness::check(|| async {
/// let digest = task::spawn_blocking(|| (1..=10u64).product::<u64>());
/// assert_eq!(digest.await.unwrap(), 3_628_800);
/// # }, coyote_harness::Config::new().iterations(5));
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    if in_test() {
        crate::thread::spawn_blocking_thread(f, Location::caller())
    } else {
        JoinHandle {
            inner: Inner::Tokio(tokio::task::spawn_blocking(f)),
        }
    }
}

/// Test mode's [`spawn`], the task attributed to `loc`.
fn spawn_controlled<F>(future: F, loc: &'static Location<'static>) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (id, generation) = with_executor(|ex| {
        (
            ex.spawn(TaskBody::Future(Box::pin(Spawned { future })), loc),
            ex.generation(),
        )
    })
    .expect("in test mode");
    controlled_handle(id, generation, loc)
}

pin_project_lite::pin_project! {
    /// A controlled task's body: the spawned future, its output stored for the `JoinHandle`
    /// when it is ready (a wrapper, not an `async` block: no state machine of its own to step
    /// through at every poll). Never polled once ready (the run loop drops a finished body).
    struct Spawned<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Spawned<F>
where
    F::Output: 'static,
{
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().future.poll(cx) {
            Poll::Ready(v) => {
                with_executor(|ex| ex.set_output(Box::new(v)));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
