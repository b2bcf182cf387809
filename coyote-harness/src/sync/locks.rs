//! `Mutex`, `RwLock` and `Semaphore` over tokio's, handing out the guards of [`guards`]
//! (tokio's, with their release in the step log).
//!
//! [`guards`]: super::guards

use super::guards::{MutexGuard, RwLockReadGuard, RwLockWriteGuard, SemaphorePermit};
use super::owned::{
    self, OwnedMutexGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit,
};
use crate::rt::point::object_id;
use crate::rt::{reads, writes, Controlled, OpKind};
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{AcquireError, TryAcquireError, TryLockError};

/// An async mutex; mirrors `tokio::sync::Mutex`.
pub struct Mutex<T: ?Sized> {
    inner: tokio::sync::Mutex<T>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub fn new(value: T) -> Self {
        Mutex {
            inner: tokio::sync::Mutex::new(value),
        }
    }

    /// A new unlocked mutex, in a `const` context (a `static`); mirrors
    /// `tokio::sync::Mutex::const_new`. A static keeps its value from one test iteration to the
    /// next: reset it, or give each iteration its own.
    pub const fn const_new(value: T) -> Self {
        Mutex {
            inner: tokio::sync::Mutex::const_new(value),
        }
    }

    /// The protected value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting until it is free. A scheduling point.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        self.lock_at(Location::caller())
    }

    fn lock_at(
        &self,
        loc: &'static Location<'static>,
    ) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        let lock = Controlled::new(self.inner.lock(), OpKind::MutexLock, loc, writes(self));
        Guarded::new(lock, move |g| MutexGuard::new(g, object_id(self), loc))
    }

    /// Locks the mutex if it is free. Not a scheduling point.
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let loc = Location::caller();
        self.inner
            .try_lock()
            .map(|g| MutexGuard::new(g, object_id(self), loc))
    }

    /// The value, through a unique reference (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized + 'static> Mutex<T> {
    /// [`Mutex::lock`] for a mutex behind an `Arc`: the guard holds a clone of the `Arc`, so it
    /// can move into a spawned task. A scheduling point, named `mutex.lock`.
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let loc = Location::caller();
        infallible(owned::acquire(self, move |m| async move {
            Ok(m.lock_at(loc).await)
        }))
    }

    /// [`Mutex::try_lock`] for a mutex behind an `Arc`. Not a scheduling point.
    #[track_caller]
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        let loc = Location::caller();
        owned::try_acquire(self, move |m| {
            m.inner
                .try_lock()
                .map(|g| MutexGuard::new(g, object_id(m), loc))
        })
    }
}

/// An async reader-writer lock; mirrors `tokio::sync::RwLock` (fair, write-preferring).
pub struct RwLock<T: ?Sized> {
    inner: tokio::sync::RwLock<T>,
}

impl<T> RwLock<T> {
    /// A new unlocked lock.
    pub fn new(value: T) -> Self {
        RwLock {
            inner: tokio::sync::RwLock::new(value),
        }
    }

    /// A new unlocked lock, in a `const` context (a `static`); mirrors
    /// `tokio::sync::RwLock::const_new` (see [`Mutex::const_new`] on statics in tests).
    pub const fn const_new(value: T) -> Self {
        RwLock {
            inner: tokio::sync::RwLock::const_new(value),
        }
    }

    /// The protected value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Shared access. A scheduling point.
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        self.read_at(Location::caller())
    }

    fn read_at(
        &self,
        loc: &'static Location<'static>,
    ) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        let read = Controlled::new(self.inner.read(), OpKind::RwLockRead, loc, reads(self));
        Guarded::new(read, move |g| RwLockReadGuard::new(g, object_id(self), loc))
    }

    /// Exclusive access. A scheduling point.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        self.write_at(Location::caller())
    }

    fn write_at(
        &self,
        loc: &'static Location<'static>,
    ) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        let write = Controlled::new(self.inner.write(), OpKind::RwLockWrite, loc, writes(self));
        Guarded::new(write, move |g| {
            RwLockWriteGuard::new(g, object_id(self), loc)
        })
    }

    /// Shared access if available now. Not a scheduling point.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let loc = Location::caller();
        self.inner
            .try_read()
            .map(|g| RwLockReadGuard::new(g, object_id(self), loc))
    }

    /// Exclusive access if available now. Not a scheduling point.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let loc = Location::caller();
        self.inner
            .try_write()
            .map(|g| RwLockWriteGuard::new(g, object_id(self), loc))
    }

    /// The value, through a unique reference.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized + 'static> RwLock<T> {
    /// [`RwLock::read`] for a lock behind an `Arc` (the guard holds a clone of it). A
    /// scheduling point, named `rwlock.read`.
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let loc = Location::caller();
        infallible(owned::acquire(self, move |l| async move {
            Ok(l.read_at(loc).await)
        }))
    }

    /// [`RwLock::write`] for a lock behind an `Arc` (the guard holds a clone of it). A
    /// scheduling point, named `rwlock.write`.
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let loc = Location::caller();
        infallible(owned::acquire(self, move |l| async move {
            Ok(l.write_at(loc).await)
        }))
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// A counting semaphore; mirrors `tokio::sync::Semaphore` (fair, FIFO).
#[derive(Debug)]
pub struct Semaphore {
    inner: tokio::sync::Semaphore,
}

impl Semaphore {
    /// The most permits a semaphore can hold (as tokio's).
    pub const MAX_PERMITS: usize = tokio::sync::Semaphore::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Self {
        Semaphore {
            inner: tokio::sync::Semaphore::new(permits),
        }
    }

    /// A semaphore with `permits` permits, in a `const` context (a `static`); mirrors
    /// `tokio::sync::Semaphore::const_new` (see [`Mutex::const_new`] on statics in tests).
    pub const fn const_new(permits: usize) -> Self {
        Semaphore {
            inner: tokio::sync::Semaphore::const_new(permits),
        }
    }

    /// Takes one permit, waiting for it. A scheduling point.
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        self.acquire_at(1, Location::caller())
    }

    /// Takes `n` permits, waiting for them. A scheduling point.
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        self.acquire_at(n, Location::caller())
    }

    fn acquire_at(
        &self,
        n: u32,
        loc: &'static Location<'static>,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        const KIND: OpKind = OpKind::SemaphoreAcquire;
        let counted = Counted {
            inner: self.inner.acquire_many(n),
            sem: &self.inner,
        };
        let acquire = Controlled::new(counted, KIND, loc, writes(self));
        Guarded::new(acquire, move |r: Result<_, AcquireError>| {
            r.map(|p| self.permit(p, loc))
        })
    }

    fn permit<'a>(
        &'a self,
        p: tokio::sync::SemaphorePermit<'a>,
        loc: &'static Location<'static>,
    ) -> SemaphorePermit<'a> {
        SemaphorePermit::new(p, &self.inner, object_id(self), loc)
    }

    /// [`Semaphore::acquire`] for a semaphore behind an `Arc`: the permit holds a clone of it,
    /// so it can move into a spawned task. A scheduling point.
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.acquire_many_owned_at(1, Location::caller())
    }

    /// [`Semaphore::acquire_many`] for a semaphore behind an `Arc`. A scheduling point.
    #[track_caller]
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.acquire_many_owned_at(n, Location::caller())
    }

    fn acquire_many_owned_at(
        self: Arc<Self>,
        n: u32,
        loc: &'static Location<'static>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        owned::acquire(self, move |s| s.acquire_at(n, loc))
    }

    /// [`Semaphore::try_acquire`] for a semaphore behind an `Arc`. Not a scheduling point.
    #[track_caller]
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let loc = Location::caller();
        owned::try_acquire(self, move |s| {
            s.inner.try_acquire().map(|p| s.permit(p, loc))
        })
    }

    /// [`Semaphore::try_acquire_many`] for a semaphore behind an `Arc`. Not a scheduling point.
    #[track_caller]
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let loc = Location::caller();
        owned::try_acquire(self, move |s| {
            s.inner.try_acquire_many(n).map(|p| s.permit(p, loc))
        })
    }

    /// Takes one permit if one is free. Not a scheduling point.
    #[track_caller]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let loc = Location::caller();
        self.inner.try_acquire().map(|p| self.permit(p, loc))
    }

    /// Takes `n` permits if that many are free (and no one waits before). Not a scheduling
    /// point.
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let loc = Location::caller();
        self.inner.try_acquire_many(n).map(|p| self.permit(p, loc))
    }

    /// Removes up to `n` free permits for good; returns how many were removed. Not a
    /// scheduling point.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.inner.forget_permits(n)
    }

    /// Whether the semaphore was closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Adds permits.
    pub fn add_permits(&self, n: usize) {
        self.inner.add_permits(n)
    }

    /// Free permits now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Closes the semaphore: waiting and future acquires fail.
    pub fn close(&self) {
        self.inner.close()
    }
}

/// The output of a future that cannot fail.
async fn infallible<T>(f: impl Future<Output = Result<T, Infallible>>) -> T {
    match f.await {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

pin_project! {
    /// A semaphore's acquire that tells the step log the permits left each time it is polled
    /// (after taking them, or while it waits), for the outcome line that follows the poll.
    struct Counted<'a, F> {
        #[pin]
        inner: F,
        sem: &'a tokio::sync::Semaphore,
    }
}

impl<F: Future> Future for Counted<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let r = this.inner.poll(cx);
        crate::rt::held::permits_left(this.sem.available_permits());
        r
    }
}

pin_project! {
    /// An acquire whose output (tokio's guard or permit) `map` makes into ours, in place (an
    /// `async` block would copy the acquiring future into its state when first polled).
    struct Guarded<F, M> {
        #[pin]
        inner: F,
        map: Option<M>,
    }
}

impl<F, M> Guarded<F, M> {
    fn new(inner: F, map: M) -> Self {
        Guarded {
            inner,
            map: Some(map),
        }
    }
}

impl<F: Future, M: FnOnce(F::Output) -> O, O> Future for Guarded<F, M> {
    type Output = O;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(v) => Poll::Ready((this.map.take().expect("polled after it completed"))(v)),
            Poll::Pending => Poll::Pending,
        }
    }
}
