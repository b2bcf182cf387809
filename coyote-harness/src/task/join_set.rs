//! `JoinSet`: a collection of spawned tasks joined in the order they finish; mirrors
//! `tokio::task::JoinSet`.
//!
//! In production it is tokio's. In test mode each task is a controlled task (see
//! [`spawn`](super::spawn)) whose wrapper records, as its last act, that it finished, so
//! [`JoinSet::join_next`] returns tasks in the order they finished, as tokio's does; which order
//! that is depends on the schedule, and the strategy explores it. A task aborted before it
//! finished has no such record and is returned (as cancelled) when no finished one is waiting.
//!
//! Invariants: every task in the set has exactly one entry in `tasks`, and its key is in
//! `finished` at most once, only after its future completed; `join_next` is one scheduling point,
//! however many tasks the set holds; dropping the set aborts the tasks still in it, as tokio's
//! does.

use super::{spawn, AbortHandle, AbortInner, Id, JoinError, JoinHandle};
use crate::rt::{in_test, with_executor, OpKind, YieldPoint};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// A set of spawned tasks, joined in the order they finish; mirrors `tokio::task::JoinSet`.
/// Dropping it aborts the tasks still in it.
///
/// ```
/// use coyote_harness::task::JoinSet;
/// # coyote_harness::check(|| async {
/// let mut set = JoinSet::new();
/// for i in 0..3u32 {
///     set.spawn(async move { i * 10 });
/// }
/// let mut sum = 0;
/// while let Some(done) = set.join_next().await {
///     sum += done.unwrap(); // in whichever order the tasks finished
/// }
/// assert_eq!(sum, 30);
/// # }, coyote_harness::Config::new().iterations(20));
/// ```
pub struct JoinSet<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Tokio(tokio::task::JoinSet<T>),
    Controlled {
        /// The tasks not yet joined, with their keys, in spawn order.
        tasks: Vec<(u64, JoinHandle<T>)>,
        /// Keys of finished tasks, in the order they finished.
        finished: Arc<Mutex<VecDeque<u64>>>,
        next_key: u64,
    },
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinSet({} tasks)", self.len())
    }
}

impl<T> JoinSet<T> {
    /// An empty set (controlled in test mode, tokio's otherwise).
    pub fn new() -> Self {
        let inner = if in_test() {
            Inner::Controlled {
                tasks: Vec::new(),
                finished: Arc::default(),
                next_key: 0,
            }
        } else {
            Inner::Tokio(tokio::task::JoinSet::new())
        };
        JoinSet { inner }
    }

    /// How many tasks are in the set (finished ones included until they are joined).
    pub fn len(&self) -> usize {
        match &self.inner {
            Inner::Tokio(set) => set.len(),
            Inner::Controlled { tasks, .. } => tasks.len(),
        }
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Aborts every task in the set; each is still returned by `join_next` (cancelled, unless it
    /// had finished).
    pub fn abort_all(&mut self) {
        match &mut self.inner {
            Inner::Tokio(set) => set.abort_all(),
            Inner::Controlled { tasks, .. } => tasks.iter().for_each(|(_, h)| h.abort()),
        }
    }

    /// Spawns `future` as a task of this set; see [`spawn`](super::spawn) for when it runs.
    /// Aborting it through the returned handle leaves it in the set, to be joined as
    /// cancelled (unless it had finished).
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        match &mut self.inner {
            Inner::Tokio(set) => AbortHandle {
                inner: AbortInner::Tokio(set.spawn(future)),
            },
            Inner::Controlled {
                tasks,
                finished,
                next_key,
            } => {
                let key = *next_key;
                *next_key += 1;
                let finished = finished.clone();
                let handle = spawn(async move {
                    let out = future.await;
                    lock(&finished).push_back(key);
                    out
                });
                let abort = handle.abort_handle();
                tasks.push((key, handle));
                abort
            }
        }
    }

    /// Waits for the next task to finish and returns its output, or `None` when the set is
    /// empty. A scheduling point (when the set is not empty).
    #[track_caller]
    pub fn join_next(&mut self) -> JoinNext<'_, T> {
        self.join_next_at(Location::caller())
    }

    /// [`JoinSet::join_next`], with the [`Id`] of the task that finished; mirrors
    /// `tokio::task::JoinSet::join_next_with_id`. A scheduling point (when the set is not
    /// empty).
    #[track_caller]
    pub fn join_next_with_id(
        &mut self,
    ) -> impl Future<Output = Option<Result<(Id, T), JoinError>>> + '_ {
        let loc = Location::caller();
        let mut point = None;
        std::future::poll_fn(move |cx| poll_join_next(self, &mut point, loc, cx))
    }

    /// [`JoinSet::join_next`], its scheduling point attributed to `loc`.
    fn join_next_at(&mut self, loc: &'static Location<'static>) -> JoinNext<'_, T> {
        JoinNext {
            set: self,
            point: None,
            loc,
        }
    }

    /// Waits for every task and returns their outputs in the order they finished; panics if a
    /// task was cancelled (or panicked, in production), as tokio's `JoinSet::join_all` does.
    #[track_caller]
    pub fn join_all(mut self) -> impl Future<Output = Vec<T>> {
        let loc = Location::caller();
        async move {
            let mut out = Vec::with_capacity(self.len());
            while let Some(done) = self.join_next_at(loc).await {
                out.push(done.unwrap_or_else(|e| panic!("a task of the JoinSet failed: {e}")));
            }
            out
        }
    }

    /// Aborts every task and waits until all have stopped.
    #[track_caller]
    pub fn shutdown(&mut self) -> impl Future<Output = ()> + '_ {
        let loc = Location::caller();
        self.abort_all();
        async move { while self.join_next_at(loc).await.is_some() {} }
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        // tokio's set aborts its tasks itself.
        if let Inner::Controlled { tasks, .. } = &self.inner {
            tasks.iter().for_each(|(_, h)| h.abort());
        }
    }
}

/// The future of [`JoinSet::join_next`].
#[must_use = "futures do nothing unless awaited"]
pub struct JoinNext<'a, T> {
    set: &'a mut JoinSet<T>,
    /// The scheduling point before the join, once begun.
    point: Option<YieldPoint>,
    loc: &'static Location<'static>,
}

impl<T: 'static> Future for JoinNext<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_join_next(this.set, &mut this.point, this.loc, cx)
            .map(|next| next.map(|r| r.map(|(_, v)| v)))
    }
}

/// Polls for the next task of `set` to finish, with its id; `point` is the scheduling point
/// before the join, once begun.
fn poll_join_next<T: 'static>(
    set: &mut JoinSet<T>,
    point: &mut Option<YieldPoint>,
    loc: &'static Location<'static>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<(Id, T), JoinError>>> {
    let (tasks, finished) = match &mut set.inner {
        Inner::Tokio(set) => {
            return set
                .poll_join_next_with_id(cx)
                .map(|r| r.map(|r| r.map(|(id, v)| (Id::tokio(id), v)).map_err(JoinError::from)))
        }
        Inner::Controlled {
            tasks, finished, ..
        } => (tasks, finished),
    };
    if tasks.is_empty() {
        return Poll::Ready(None);
    }
    let point = point.get_or_insert_with(|| YieldPoint::new(OpKind::JoinSetJoinNext, loc));
    if Pin::new(point).poll(cx).is_pending() {
        return Poll::Pending;
    }
    // The earliest finished task; else any that ended without finishing (aborted).
    let first = lock(finished).pop_front();
    let (from, to) = match first.and_then(|key| tasks.iter().position(|(k, _)| *k == key)) {
        Some(i) => (i, i + 1),
        None => (0, tasks.len()),
    };
    for i in from..to {
        let handle = &mut tasks[i].1;
        handle.skip_join_point();
        let id = handle.id();
        if let Poll::Ready(out) = Pin::new(handle).poll(cx) {
            tasks.remove(i);
            return Poll::Ready(Some(out.map(|v| (id, v))));
        }
    }
    // Every handle polled above registered this task to be woken when its task ends.
    with_executor(|ex| ex.join_site(loc));
    Poll::Pending
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
