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
mod id;
mod join_set;

pub use combinators::{join_all, select, when_any, Either, JoinAll, Select, WhenAny};
pub use id::{id, try_id, Id};
pub use join_set::{JoinNext, JoinSet};

use crate::rt::{in_test, reads, with_executor, writes, OpKind, TaskBody, YieldPoint};
use coyote_core::strategy::Access;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
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
    JoinHandle {
        inner: Inner::Controlled {
            id,
            generation,
            loc,
            yielded: false,
            _t: PhantomData,
        },
    }
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

/// The handle of controlled task `id` of iteration `generation`, spawned at `loc` (a controlled
/// thread's, which `thread::JoinHandle` joins).
pub(crate) fn controlled_handle<T>(
    id: u32,
    generation: u32,
    loc: &'static Location<'static>,
) -> JoinHandle<T> {
    JoinHandle {
        inner: Inner::Controlled {
            id,
            generation,
            loc,
            yielded: false,
            _t: PhantomData,
        },
    }
}

/// An owned permission to join a task (await its output); mirrors `tokio::task::JoinHandle`.
/// Dropping it detaches the task.
pub struct JoinHandle<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Tokio(tokio::task::JoinHandle<T>),
    Controlled {
        id: u32,
        generation: u32,
        loc: &'static Location<'static>,
        yielded: bool,
        _t: PhantomData<fn() -> T>,
    },
}

impl<T> JoinHandle<T> {
    /// The controlled task's id in test mode (`None` in production).
    pub(crate) fn controlled_id(&self) -> Option<u32> {
        match self.inner {
            Inner::Controlled { id, .. } => Some(id),
            Inner::Tokio(_) => None,
        }
    }

    /// Makes the next poll join at once, without the scheduling point before the join (the
    /// caller made one already: `JoinSet::join_next`).
    fn skip_join_point(&mut self) {
        if let Inner::Controlled { yielded, .. } = &mut self.inner {
            *yielded = true;
        }
    }

    /// Cancels the task: it never runs again, and awaiting this handle gives a cancelled error.
    /// A task that aborts itself is cancelled, as in tokio, at its next `.await` that waits (in
    /// tests, its next controlled operation), or finishes normally if it returns first; a
    /// `spawn_blocking` task already running cannot be aborted.
    pub fn abort(&self) {
        match &self.inner {
            Inner::Tokio(h) => h.abort(),
            Inner::Controlled { id, generation, .. } => abort_controlled(*id, *generation),
        }
    }

    /// A handle that can abort the task without joining it.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            inner: match &self.inner {
                Inner::Tokio(h) => AbortInner::Tokio(h.abort_handle()),
                Inner::Controlled { id, generation, .. } => AbortInner::Controlled {
                    id: *id,
                    generation: *generation,
                },
            },
        }
    }

    /// Whether the task has finished (or was aborted). Never waits; not a scheduling point.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Tokio(h) => h.is_finished(),
            Inner::Controlled { id, generation, .. } => controlled_is_finished(*id, *generation),
        }
    }

    /// The task's [`Id`]; mirrors `tokio::task::JoinHandle::id`.
    pub fn id(&self) -> Id {
        match &self.inner {
            Inner::Tokio(h) => Id::tokio(h.id()),
            Inner::Controlled { id, .. } => Id::controlled(*id),
        }
    }
}

/// Aborts controlled task `id` if it belongs to the running iteration (`generation`).
fn abort_controlled(id: u32, generation: u32) {
    with_executor(|ex| {
        if ex.generation() == generation {
            ex.abort(id)
        }
    });
}

/// Whether controlled task `id` of iteration `generation` has finished; a task of an earlier
/// iteration has.
fn controlled_is_finished(id: u32, generation: u32) -> bool {
    with_executor(|ex| ex.generation() != generation || ex.is_done(id)).unwrap_or(true)
}

/// An owned permission to abort a task, without joining it; mirrors `tokio::task::AbortHandle`.
#[derive(Clone)]
pub struct AbortHandle {
    inner: AbortInner,
}

#[derive(Clone)]
enum AbortInner {
    Tokio(tokio::task::AbortHandle),
    Controlled { id: u32, generation: u32 },
}

impl AbortHandle {
    /// Cancels the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        match &self.inner {
            AbortInner::Tokio(h) => h.abort(),
            AbortInner::Controlled { id, generation } => abort_controlled(*id, *generation),
        }
    }

    /// Whether the task has finished (or was aborted); a task of an earlier test iteration
    /// has. Never waits; not a scheduling point.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            AbortInner::Tokio(h) => h.is_finished(),
            AbortInner::Controlled { id, generation } => controlled_is_finished(*id, *generation),
        }
    }

    /// The task's [`Id`]; mirrors `tokio::task::AbortHandle::id`.
    pub fn id(&self) -> Id {
        match &self.inner {
            AbortInner::Tokio(h) => Id::tokio(h.id()),
            AbortInner::Controlled { id, .. } => Id::controlled(*id),
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            AbortInner::Tokio(h) => write!(f, "AbortHandle({:?})", h.id()),
            AbortInner::Controlled { id, .. } => write!(f, "AbortHandle(task {id})"),
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Tokio(h) => write!(f, "JoinHandle({:?})", h.id()),
            Inner::Controlled { id, .. } => write!(f, "JoinHandle(task {id})"),
        }
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().inner {
            Inner::Tokio(h) => Pin::new(h).poll(cx).map(|r| r.map_err(JoinError::from)),
            Inner::Controlled {
                id,
                generation,
                loc,
                yielded,
                ..
            } => {
                if !*yielded {
                    *yielded = true;
                    // The scheduling point before the join (as a `YieldPoint`, naming the task),
                    // decided in this poll: a finished task's output is `Ready` now, as in tokio.
                    let go_on = with_executor(|ex| {
                        ex.join_point_in_poll(*id, *generation, loc, cx.waker())
                    });
                    if go_on == Some(false) {
                        return Poll::Pending;
                    }
                }
                let polled = with_executor(|ex| {
                    if ex.generation() != *generation {
                        return Poll::Ready(None);
                    }
                    ex.poll_join(*id, cx.waker(), loc)
                });
                match polled {
                    None | Some(Poll::Ready(None)) => Poll::Ready(Err(JoinError {
                        cancelled: true,
                        id: Id::controlled(*id),
                    })),
                    Some(Poll::Pending) => Poll::Pending,
                    Some(Poll::Ready(Some(out))) => Poll::Ready(Ok(*out
                        .downcast::<T>()
                        .expect("a task's output has its JoinHandle's type"))),
                }
            }
        }
    }
}

/// A task did not finish: it was cancelled (or, in production, it panicked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    cancelled: bool,
    id: Id,
}

impl JoinError {
    /// Whether the task was cancelled with [`JoinHandle::abort`].
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// Whether the task panicked (production mode only; in tests a panic is a bug).
    pub fn is_panic(&self) -> bool {
        !self.cancelled
    }

    /// The [`Id`] of the task that did not finish; mirrors `tokio::task::JoinError::id`.
    pub fn id(&self) -> Id {
        self.id
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.cancelled {
            "task was cancelled"
        } else {
            "task panicked"
        })
    }
}

impl std::error::Error for JoinError {}

impl From<tokio::task::JoinError> for JoinError {
    fn from(e: tokio::task::JoinError) -> Self {
        JoinError {
            cancelled: e.is_cancelled(),
            id: Id::tokio(e.id()),
        }
    }
}

/// Yields to the scheduler: a scheduling point in tests, `tokio::task::yield_now` in production
/// (which defers the wake-up until tokio has polled I/O and timers).
#[track_caller]
#[inline]
pub fn yield_now() -> impl Future<Output = ()> + Send {
    let loc = Location::caller();
    let point = in_test().then(|| YieldPoint::new(OpKind::Yield, loc));
    YieldNow {
        point,
        tokio: tokio::task::yield_now(),
    }
}

pin_project_lite::pin_project! {
    /// [`yield_now`]'s future: the scheduling point in tests, tokio's future (polled directly,
    /// no wrapping state machine) in production.
    struct YieldNow<F> {
        point: Option<YieldPoint>,
        #[pin]
        tokio: F,
    }
}

impl<F: Future<Output = ()>> Future for YieldNow<F> {
    type Output = ();

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        match this.point {
            None => this.tokio.poll(cx),
            Some(point) => Pin::new(point).poll(cx),
        }
    }
}

/// A scheduling point before the caller reads shared state `object` (a field, a cell, a
/// collection) that other tasks may write. Await it right before the read.
///
/// Like [`yield_now`] it lets the strategy run another task first; in addition it names what is
/// about to be read, so a race-aware strategy (`pos`, in the default portfolio) knows that this
/// read races with pending [`yield_write`]s of the same object and orders them by a fresh draw,
/// however much unrelated work separates them. Any reference identifies the object (by address):
/// pass the same one to every read and write of it, and keep the object alive until the access
/// is done (a freed object's address may be reused by another). The harness's own primitives declare their
/// accesses themselves (a lock writes its mutex, `recv` writes its channel).
///
/// In production it does nothing and is ready at once.
///
/// ```
/// use coyote_harness::task;
/// use std::sync::{atomic::{AtomicBool, Ordering}, Arc};
/// # coyote_harness::check(|| async {
/// let ready = Arc::new(AtomicBool::new(false));
/// let r = ready.clone();
/// let writer = task::spawn(async move {
///     task::yield_write(&*r).await;
///     r.store(true, Ordering::Relaxed);
/// });
/// task::yield_read(&*ready).await;
/// let _seen = ready.load(Ordering::Relaxed); // either value, depending on the schedule
/// writer.await.unwrap();
/// # }, coyote_harness::Config::new().iterations(10));
/// ```
#[track_caller]
pub fn yield_read<T: ?Sized>(object: &T) -> impl Future<Output = ()> + Send {
    declared_point(OpKind::Read, reads(object))
}

/// A scheduling point before the caller writes shared state `object`: as [`yield_read`], for a
/// write (which races with every read and write of the object). In production it does nothing.
#[track_caller]
pub fn yield_write<T: ?Sized>(object: &T) -> impl Future<Output = ()> + Send {
    declared_point(OpKind::Write, writes(object))
}

/// A scheduling point at the caller's caller that declares `access`; nothing in production.
#[track_caller]
fn declared_point(kind: OpKind, access: Access) -> impl Future<Output = ()> + Send {
    let loc = Location::caller();
    let point = in_test().then(|| YieldPoint::with_access(kind, loc, access));
    async move {
        if let Some(point) = point {
            point.await
        }
    }
}
