//! `Mutex` mirroring `std::sync::Mutex`, poisoning included.
//!
//! The value and the lock state are a std `Mutex`: production calls it; a test tries it
//! (`try_lock`) at a scheduling point and, while another thread holds it, blocks the controlled
//! thread on `mutex.lock` until the guard's drop wakes the waiters. Poisoning is std's own: a
//! guard dropped by a panicking thread poisons the mutex, and every later `lock` returns
//! `Err(PoisonError)` holding a usable guard.
//!
//! Invariant: a [`MutexGuard`] always holds the std guard until it drops (taken out only by
//! `Condvar::wait`, which gives it back before returning); its drop releases the std lock first,
//! then wakes the waiters (test mode).

use super::wait::{block_until, WaitList};
use crate::rt::held::{self, Taken, NO_COUNT};
use crate::rt::point::object_id;
use crate::rt::{in_test, writes, OpKind};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// A mutual-exclusion lock; mirrors `std::sync::Mutex` (see the module docs).
///
/// ```
/// use coyote_harness::std::{sync::{Arc, Mutex}, thread};
/// # coyote_harness::check(|| async {
/// let n = Arc::new(Mutex::new(0));
/// let m = n.clone();
/// let t = thread::spawn(move || *m.lock().unwrap() += 1);
/// *n.lock().unwrap() += 1;
/// t.join().unwrap();
/// assert_eq!(*n.lock().unwrap(), 2);
/// # }, coyote_harness::Config::new().iterations(20));
/// ```
pub struct Mutex<T: ?Sized> {
    waiters: WaitList,
    inner: std::sync::Mutex<T>,
}

/// The lock of a [`Mutex`], held until dropped; mirrors `std::sync::MutexGuard`.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) lock: &'a Mutex<T>,
    pub(super) inner: Option<std::sync::MutexGuard<'a, T>>,
    /// Who took it where, for the step log's release line (kept logs only).
    taken: Option<Taken>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex (usable in a `static`: see the docs on statics in tests).
    pub const fn new(value: T) -> Self {
        Mutex {
            waiters: WaitList::new(),
            inner: std::sync::Mutex::new(value),
        }
    }

    /// The value; `Err` if the mutex is poisoned (as std).
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free. A scheduling point in tests; `Err` (with the
    /// guard) if a thread panicked while holding it.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        if !in_test() {
            return self.wrap(self.inner.lock(), None);
        }
        self.lock_at(Location::caller())
    }

    /// The test-mode [`Mutex::lock`], attributed to `loc`.
    #[inline]
    pub(super) fn lock_at(&self, loc: &'static Location<'static>) -> LockResult<MutexGuard<'_, T>> {
        block_until(
            OpKind::MutexLock,
            writes(self),
            loc,
            &self.waiters,
            || match self.inner.try_lock() {
                Ok(g) => Some(Ok(self.guard(g, Some(loc)))),
                Err(TryLockError::Poisoned(e)) => {
                    Some(Err(PoisonError::new(self.guard(e.into_inner(), Some(loc)))))
                }
                Err(TryLockError::WouldBlock) => None,
            },
        )
    }

    /// Locks the mutex if it is free now. A scheduling point in tests (it reads and may take
    /// the lock), never a wait.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let loc = in_test().then(Location::caller);
        if let Some(loc) = loc {
            crate::rt::coro::sync_point(OpKind::MutexLock, writes(self), loc);
        }
        match self.inner.try_lock() {
            Ok(g) => Ok(self.guard(g, loc)),
            Err(TryLockError::Poisoned(e)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.guard(e.into_inner(), loc),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether a thread panicked while holding the lock.
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

    /// Our guard of `g`, taken at `loc` in a test (for the step log's release line).
    fn guard<'a>(
        &'a self,
        g: std::sync::MutexGuard<'a, T>,
        loc: Option<&'static Location<'static>>,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            lock: self,
            inner: Some(g),
            taken: loc.and_then(|l| held::hold(object_id(self), l)),
        }
    }

    pub(super) fn wrap<'a>(
        &'a self,
        r: LockResult<std::sync::MutexGuard<'a, T>>,
        loc: Option<&'static Location<'static>>,
    ) -> LockResult<MutexGuard<'a, T>> {
        match r {
            Ok(g) => Ok(self.guard(g, loc)),
            Err(e) => Err(PoisonError::new(self.guard(e.into_inner(), loc))),
        }
    }

    /// Wakes the threads waiting for the lock (test mode).
    pub(super) fn released(&self) {
        if in_test() {
            self.waiters.wake_all();
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.inner.as_ref().expect("a held guard")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("a held guard")
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.take().is_some() {
            self.lock.released();
            if let Some(t) = self.taken.take() {
                held::release(t, OpKind::MutexLock, NO_COUNT, NO_COUNT);
            }
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
