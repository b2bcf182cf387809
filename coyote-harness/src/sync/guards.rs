//! The guards and permits of [`Mutex`](super::Mutex), [`RwLock`](super::RwLock) and
//! [`Semaphore`](super::Semaphore): tokio's, each with what the step log needs to show its
//! release (`release mutex taken at LINE`, `release permit taken at LINE (2 left)`) and to
//! name the current holder of a lock another task blocks on.
//!
//! Invariants: the tokio guard is released (dropped) before the release is logged, so a
//! semaphore's count after it is the one logged; a guard carries a [`Taken`] only when made in a
//! test whose step log is kept (`held::hold`), so its drop otherwise costs one branch; a guard
//! turned into one of tokio's (`map`) or forgotten leaves the holders without a release line.

use crate::rt::held::{self, Taken, NO_COUNT};
use crate::rt::OpKind;
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

/// Takes `inner` out of a guard whose `Drop` is then skipped, forgetting its holder entry.
fn unwrap<G>(inner: &mut ManuallyDrop<G>, taken: Option<Taken>) -> G {
    if let Some(t) = taken {
        held::forget(t);
    }
    // SAFETY: the caller forgets the guard right after, so `inner` is never used again.
    unsafe { ManuallyDrop::take(inner) }
}

macro_rules! guard {
    ($(#[$doc:meta])* $name:ident, $tokio:ident, $kind:expr) => {
        $(#[$doc])*
        #[must_use = "if unused the lock is released at once"]
        pub struct $name<'a, T: ?Sized> {
            inner: ManuallyDrop<tokio::sync::$tokio<'a, T>>,
            taken: Option<Taken>,
        }

        impl<'a, T: ?Sized> $name<'a, T> {
            pub(super) fn new(
                inner: tokio::sync::$tokio<'a, T>,
                object: u64,
                loc: &'static Location<'static>,
            ) -> Self {
                $name {
                    inner: ManuallyDrop::new(inner),
                    taken: held::hold(object, loc),
                }
            }

            /// `inner` held again by the running task, if `taken` says the log is kept.
            #[allow(dead_code)] // (not every guard needs it)
            fn rewrap(inner: tokio::sync::$tokio<'a, T>, taken: Option<Taken>) -> Self {
                $name {
                    inner: ManuallyDrop::new(inner),
                    taken: taken.and_then(|t| held::hold(t.object, t.loc)),
                }
            }

            /// tokio's guard, this one forgotten (its release is no longer logged).
            fn into_tokio(self) -> tokio::sync::$tokio<'a, T> {
                let mut this = ManuallyDrop::new(self);
                let taken = this.taken.take();
                unwrap(&mut this.inner, taken)
            }
        }

        impl<T: ?Sized> Deref for $name<'_, T> {
            type Target = T;

            fn deref(&self) -> &T {
                &self.inner
            }
        }

        impl<T: ?Sized> Drop for $name<'_, T> {
            fn drop(&mut self) {
                // SAFETY: dropped once, here; never used after.
                unsafe { ManuallyDrop::drop(&mut self.inner) };
                if let Some(t) = self.taken.take() {
                    held::release(t, $kind, NO_COUNT, NO_COUNT);
                }
            }
        }

        impl<T: ?Sized + fmt::Debug> fmt::Debug for $name<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $name<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    };
}

guard!(
    /// A held [`Mutex`](super::Mutex), unlocked when dropped; mirrors `tokio::sync::MutexGuard`.
    MutexGuard,
    MutexGuard,
    OpKind::MutexLock
);
guard!(
    /// Shared access to an [`RwLock`](super::RwLock); mirrors `tokio::sync::RwLockReadGuard`.
    RwLockReadGuard,
    RwLockReadGuard,
    OpKind::RwLockRead
);
guard!(
    /// Exclusive access to an [`RwLock`](super::RwLock); mirrors
    /// `tokio::sync::RwLockWriteGuard`.
    RwLockWriteGuard,
    RwLockWriteGuard,
    OpKind::RwLockWrite
);

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// A guard of a part of the value; mirrors `tokio::sync::MutexGuard::map` (the mapped
    /// guard's release is not in the step log).
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> tokio::sync::MappedMutexGuard<'a, U> {
        tokio::sync::MutexGuard::map(this.into_tokio(), f)
    }

    /// [`MutexGuard::map`] that may decline (`Err` gives the guard back, still logged).
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<tokio::sync::MappedMutexGuard<'a, U>, Self> {
        let taken = this.taken;
        tokio::sync::MutexGuard::try_map(this.into_tokio(), f)
            .map_err(|g| MutexGuard::rewrap(g, taken))
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A guard of a part of the value; mirrors `tokio::sync::RwLockReadGuard::map` (the
    /// mapped guard's release is not in the step log).
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> &U,
    ) -> tokio::sync::RwLockReadGuard<'a, U> {
        tokio::sync::RwLockReadGuard::map(this.into_tokio(), f)
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A guard of a part of the value; mirrors `tokio::sync::RwLockWriteGuard::map` (the
    /// mapped guard's release is not in the step log).
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> tokio::sync::RwLockMappedWriteGuard<'a, U> {
        tokio::sync::RwLockWriteGuard::map(this.into_tokio(), f)
    }

    /// Turns exclusive access into shared access without unlocking, so no writer gets in
    /// between; mirrors `tokio::sync::RwLockWriteGuard::downgrade`. Not a scheduling point.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let taken = self.taken;
        RwLockReadGuard::rewrap(self.into_tokio().downgrade(), taken)
    }
}

/// Permits of a [`Semaphore`](super::Semaphore), returned when dropped; mirrors
/// `tokio::sync::SemaphorePermit`.
#[must_use]
pub struct SemaphorePermit<'a> {
    inner: ManuallyDrop<tokio::sync::SemaphorePermit<'a>>,
    sem: &'a tokio::sync::Semaphore,
    taken: Option<Taken>,
}

impl<'a> SemaphorePermit<'a> {
    pub(super) fn new(
        inner: tokio::sync::SemaphorePermit<'a>,
        sem: &'a tokio::sync::Semaphore,
        object: u64,
        loc: &'static Location<'static>,
    ) -> Self {
        SemaphorePermit {
            inner: ManuallyDrop::new(inner),
            sem,
            taken: held::hold(object, loc),
        }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.inner.num_permits()
    }

    /// Keeps the permits taken: dropping no longer returns them to the semaphore.
    pub fn forget(self) {
        let mut this = ManuallyDrop::new(self);
        let taken = this.taken.take();
        unwrap(&mut this.inner, taken).forget();
    }

    /// Adds `other`'s permits to this one; mirrors `tokio::sync::SemaphorePermit::merge`
    /// (both from the same semaphore; `other`'s release line goes with this one's).
    pub fn merge(&mut self, other: Self) {
        let mut other = ManuallyDrop::new(other);
        let taken = other.taken.take();
        self.inner.merge(unwrap(&mut other.inner, taken));
    }

    /// Splits `n` permits off into a new permit (`None` if this holds fewer); mirrors
    /// `tokio::sync::SemaphorePermit::split`.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let part = self.inner.split(n)?;
        Some(SemaphorePermit {
            inner: ManuallyDrop::new(part),
            sem: self.sem,
            taken: self.taken.and_then(|t| held::hold(t.object, t.loc)),
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        let permits = self.inner.num_permits();
        // SAFETY: dropped once, here; never used after.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        if let Some(t) = self.taken.take() {
            let left = self.sem.available_permits().min(u32::MAX as usize - 1) as u32;
            held::release(t, OpKind::SemaphoreAcquire, permits as u32, left);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.num_permits())
            .finish()
    }
}
