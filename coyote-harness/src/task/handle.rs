//! Join and abort handles: [`JoinHandle`] (awaiting it is the scheduling point before the join),
//! [`AbortHandle`] and [`JoinError`], mirrors of tokio's.
//!
//! Invariant: a controlled handle names its task by id *and* iteration (`generation`); a handle
//! kept from an earlier iteration joins nothing (a cancelled error) and aborts nothing.

use super::Id;
use crate::rt::with_executor;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

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
    pub(super) inner: Inner<T>,
}

pub(super) enum Inner<T> {
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
    pub(super) fn skip_join_point(&mut self) {
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
    pub(super) inner: AbortInner,
}

#[derive(Clone)]
pub(super) enum AbortInner {
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
                    // decided in this poll when the task is finished (its output is `Ready` now,
                    // as in tokio); the join of a running task is `Pending` at its point.
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
