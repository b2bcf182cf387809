//! Owned guards and permits: what `Mutex::lock_owned`, `RwLock::read_owned`/`write_owned` and
//! `Semaphore::acquire_owned` return. Each holds an `Arc` of its lock, so it can move into a
//! spawned task, as tokio's owned guards do.
//!
//! Each is tokio's borrowed guard of the lock inside that `Arc` (borrowed for `'static`),
//! stored next to the `Arc`.
//!
//! Invariants: `guard` is declared before `lock`, so it is dropped (unlocking) while `lock`
//! still keeps the lock alive, and nothing hands the `'static` guard out; the lock sits in the
//! `Arc`'s allocation, which does not move when the `Arc` does. So the borrow never outlives
//! what it borrows. Acquiring goes through the same controlled operations as the borrowed forms
//! (the same scheduling point, kind and caller line).

use super::{Mutex, RwLock, Semaphore};
use super::{MutexGuard, RwLockReadGuard, RwLockWriteGuard, SemaphorePermit};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A guard or permit that owns an `Arc` of its lock; see the aliases [`OwnedMutexGuard`],
/// [`OwnedRwLockReadGuard`], [`OwnedRwLockWriteGuard`] and [`OwnedSemaphorePermit`].
pub struct Owned<G, L: ?Sized> {
    /// Borrows from `*lock`; declared first, so dropped first.
    guard: G,
    lock: Arc<L>,
}

/// Exclusive access to a [`Mutex`] behind an `Arc`; mirrors `tokio::sync::OwnedMutexGuard`.
pub type OwnedMutexGuard<T> = Owned<MutexGuard<'static, T>, Mutex<T>>;
/// Shared access to an [`RwLock`] behind an `Arc`; mirrors `tokio::sync::OwnedRwLockReadGuard`.
pub type OwnedRwLockReadGuard<T> = Owned<RwLockReadGuard<'static, T>, RwLock<T>>;
/// Exclusive access to an [`RwLock`] behind an `Arc`; mirrors
/// `tokio::sync::OwnedRwLockWriteGuard`.
pub type OwnedRwLockWriteGuard<T> = Owned<RwLockWriteGuard<'static, T>, RwLock<T>>;
/// Permits of a [`Semaphore`] behind an `Arc`, returned when dropped; mirrors
/// `tokio::sync::OwnedSemaphorePermit`.
pub type OwnedSemaphorePermit = Owned<SemaphorePermit<'static>, Semaphore>;

/// Acquires the lock inside `lock` with `acquire` (given the lock, borrowed for `'static`) and
/// pairs the guard or permit it gives with `lock`. The one place (with [`try_acquire`]) where
/// the `'static` borrow is made.
pub(super) async fn acquire<L, G, E, Fut>(
    lock: Arc<L>,
    acquire: impl FnOnce(&'static L) -> Fut,
) -> Result<Owned<G, L>, E>
where
    L: ?Sized + 'static,
    Fut: Future<Output = Result<G, E>>,
{
    // A local declared before the acquiring future, so dropped after it, also when this future
    // is dropped while it waits (the waiter unlinks itself from the lock then).
    let lock = lock;
    // SAFETY: the allocation lives while `lock` does; the acquiring future is dropped before
    // `lock` (above), and what it gives is stored with `lock` in the `Owned`, dropped first.
    let this = unsafe { &*Arc::as_ptr(&lock) };
    Ok(Owned {
        guard: acquire(this).await?,
        lock,
    })
}

/// [`acquire`] for the `try_` forms, which never wait.
pub(super) fn try_acquire<L: ?Sized + 'static, G, E>(
    lock: Arc<L>,
    acquire: impl FnOnce(&'static L) -> Result<G, E>,
) -> Result<Owned<G, L>, E> {
    // SAFETY: as in `acquire`: what borrows from the allocation is stored with `lock`.
    let this = unsafe { &*Arc::as_ptr(&lock) };
    Ok(Owned {
        guard: acquire(this)?,
        lock,
    })
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns exclusive access into shared access without unlocking, so no writer gets in
    /// between; mirrors `tokio::sync::OwnedRwLockWriteGuard::downgrade`. Not a scheduling
    /// point (it never waits).
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let Owned { guard, lock } = self;
        Owned {
            guard: guard.downgrade(),
            lock,
        }
    }
}

impl OwnedSemaphorePermit {
    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.lock
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.guard.num_permits()
    }

    /// Keeps the permits taken: dropping no longer returns them to the semaphore.
    pub fn forget(self) {
        let Owned { guard, lock } = self;
        guard.forget();
        drop(lock);
    }

    /// Adds `other`'s permits to this one (both of one semaphore); mirrors
    /// `tokio::sync::OwnedSemaphorePermit::merge`.
    pub fn merge(&mut self, other: Self) {
        let Owned { guard, lock } = other;
        self.guard.merge(guard);
        drop(lock);
    }

    /// Splits `n` permits off into a new permit (`None` if this holds fewer); mirrors
    /// `tokio::sync::OwnedSemaphorePermit::split`.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        Some(Owned {
            guard: self.guard.split(n)?,
            lock: self.lock.clone(),
        })
    }
}

impl<G: Deref, L: ?Sized> Deref for Owned<G, L> {
    type Target = G::Target;

    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<G: DerefMut, L: ?Sized> DerefMut for Owned<G, L> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}

impl<G: fmt::Debug, L: ?Sized> fmt::Debug for Owned<G, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.guard.fmt(f)
    }
}

impl<G: fmt::Display, L: ?Sized> fmt::Display for Owned<G, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.guard.fmt(f)
    }
}
