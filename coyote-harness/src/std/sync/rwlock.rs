//! `RwLock` mirroring `std::sync::RwLock`, poisoning included.
//!
//! As [`Mutex`](super::Mutex): the value and the lock state are a std `RwLock`; a test tries it
//! (`try_read` / `try_write`) at a scheduling point (`rwlock.read`, a read of the lock;
//! `rwlock.write`, a write) and blocks the controlled thread while it is held in the other
//! mode, until a guard's drop wakes the waiters. Which waiter gets the lock next is the
//! strategy's choice (std promises no policy). A panic while holding the write lock poisons it.
//!
//! Invariant: a guard holds its std guard until it drops; the drop releases it first, then
//! wakes the waiters (test mode).

use super::wait::{block_until, WaitList};
use crate::rt::coro::sync_point;
use crate::rt::held::{self, Taken, NO_COUNT};
use crate::rt::point::object_id;
use crate::rt::{in_test, reads, writes, OpKind};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// A reader-writer lock; mirrors `std::sync::RwLock` (see the module docs).
pub struct RwLock<T: ?Sized> {
    waiters: WaitList,
    inner: std::sync::RwLock<T>,
}

/// Shared access to an [`RwLock`]; mirrors `std::sync::RwLockReadGuard`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    inner: Option<std::sync::RwLockReadGuard<'a, T>>,
    /// Who took it where, for the step log's release line (kept logs only).
    taken: Option<Taken>,
}

/// Exclusive access to an [`RwLock`]; mirrors `std::sync::RwLockWriteGuard`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    inner: Option<std::sync::RwLockWriteGuard<'a, T>>,
    /// Who took it where, for the step log's release line (kept logs only).
    taken: Option<Taken>,
}

impl<T> RwLock<T> {
    /// A new unlocked lock.
    pub const fn new(value: T) -> Self {
        RwLock {
            waiters: WaitList::new(),
            inner: std::sync::RwLock::new(value),
        }
    }

    /// The value; `Err` if poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

/// `r` with its std guard wrapped by `wrap`.
fn map<G, H>(r: LockResult<G>, wrap: impl FnOnce(G) -> H) -> LockResult<H> {
    match r {
        Ok(g) => Ok(wrap(g)),
        Err(e) => Err(PoisonError::new(wrap(e.into_inner()))),
    }
}

/// A `try_*` result with its std guard wrapped by `wrap`.
fn map_try<G, H>(r: TryLockResult<G>, wrap: impl FnOnce(G) -> H) -> TryLockResult<H> {
    match r {
        Ok(g) => Ok(wrap(g)),
        Err(TryLockError::Poisoned(e)) => Err(TryLockError::Poisoned(PoisonError::new(wrap(
            e.into_inner(),
        )))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

/// An attempt: `None` while the lock is held in the other mode.
fn attempt<G>(r: TryLockResult<G>) -> Option<LockResult<G>> {
    match r {
        Ok(g) => Some(Ok(g)),
        Err(TryLockError::Poisoned(e)) => Some(Err(e)),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Our guard of `g`, taken at `loc` in a test (for the step log's release line).
    fn reader<'a>(
        &'a self,
        g: std::sync::RwLockReadGuard<'a, T>,
        loc: Option<&'static Location<'static>>,
    ) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            lock: self,
            inner: Some(g),
            taken: loc.and_then(|l| held::hold(object_id(self), l)),
        }
    }

    /// As [`RwLock::reader`], for a write guard.
    fn writer<'a>(
        &'a self,
        g: std::sync::RwLockWriteGuard<'a, T>,
        loc: Option<&'static Location<'static>>,
    ) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            lock: self,
            inner: Some(g),
            taken: loc.and_then(|l| held::hold(object_id(self), l)),
        }
    }

    /// Shared access, blocking while a writer holds the lock. A scheduling point in tests.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        if !in_test() {
            return map(self.inner.read(), |g| self.reader(g, None));
        }
        let loc = Location::caller();
        let r = block_until(OpKind::RwLockRead, reads(self), loc, &self.waiters, || {
            attempt(self.inner.try_read())
        });
        map(r, |g| self.reader(g, Some(loc)))
    }

    /// Exclusive access, blocking while anyone holds the lock. A scheduling point in tests.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        if !in_test() {
            return map(self.inner.write(), |g| self.writer(g, None));
        }
        let loc = Location::caller();
        let r = block_until(
            OpKind::RwLockWrite,
            writes(self),
            loc,
            &self.waiters,
            || attempt(self.inner.try_write()),
        );
        map(r, |g| self.writer(g, Some(loc)))
    }

    /// Shared access if no writer holds the lock now. A scheduling point in tests, never a
    /// wait.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let loc = in_test().then(Location::caller);
        if let Some(loc) = loc {
            sync_point(OpKind::RwLockRead, reads(self), loc);
        }
        map_try(self.inner.try_read(), |g| self.reader(g, loc))
    }

    /// Exclusive access if nobody holds the lock now. A scheduling point in tests, never a
    /// wait.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let loc = in_test().then(Location::caller);
        if let Some(loc) = loc {
            sync_point(OpKind::RwLockWrite, writes(self), loc);
        }
        map_try(self.inner.try_write(), |g| self.writer(g, loc))
    }

    /// Whether a writer panicked while holding the lock.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned state.
    pub fn clear_poison(&self) {
        self.inner.clear_poison()
    }

    /// The value, through a unique reference; `Err` if poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    fn released(&self) {
        if in_test() {
            self.waiters.wake_all();
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a held guard")
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a held guard")
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("a held guard")
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.take().is_some() {
            self.lock.released();
            if let Some(t) = self.taken.take() {
                held::release(t, OpKind::RwLockRead, NO_COUNT, NO_COUNT);
            }
        }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.take().is_some() {
            self.lock.released();
            if let Some(t) = self.taken.take() {
                held::release(t, OpKind::RwLockWrite, NO_COUNT, NO_COUNT);
            }
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
