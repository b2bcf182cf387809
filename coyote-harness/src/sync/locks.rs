//! `Mutex`, `RwLock` and `Semaphore` over tokio's.

use crate::rt::{reads, writes, Controlled};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use tokio::sync::{
    AcquireError, MutexGuard, RwLockReadGuard, RwLockWriteGuard, SemaphorePermit, TryAcquireError,
    TryLockError,
};

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

    /// The protected value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting until it is free. A scheduling point.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        Controlled::new(
            self.inner.lock(),
            "mutex.lock",
            Location::caller(),
            writes(self),
        )
    }

    /// Locks the mutex if it is free. Not a scheduling point.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.inner.try_lock()
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

    /// The protected value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Shared access. A scheduling point.
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        Controlled::new(
            self.inner.read(),
            "rwlock.read",
            Location::caller(),
            reads(self),
        )
    }

    /// Exclusive access. A scheduling point.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        Controlled::new(
            self.inner.write(),
            "rwlock.write",
            Location::caller(),
            writes(self),
        )
    }

    /// Shared access if available now. Not a scheduling point.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.inner.try_read()
    }

    /// Exclusive access if available now. Not a scheduling point.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.inner.try_write()
    }

    /// The value, through a unique reference.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
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
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Self {
        Semaphore {
            inner: tokio::sync::Semaphore::new(permits),
        }
    }

    /// Takes one permit, waiting for it. A scheduling point.
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        Controlled::new(
            self.inner.acquire(),
            "semaphore.acquire",
            Location::caller(),
            writes(self),
        )
    }

    /// Takes `n` permits, waiting for them. A scheduling point.
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        Controlled::new(
            self.inner.acquire_many(n),
            "semaphore.acquire",
            Location::caller(),
            writes(self),
        )
    }

    /// Takes one permit if one is free. Not a scheduling point.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire()
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
