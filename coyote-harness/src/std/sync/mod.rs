//! `std::sync`'s items, controlled in tests: [`atomic`], and the blocking primitives.
//!
//! Types that need no control (`Arc`, `Weak`, the lock results and errors) are std's own.

pub mod atomic;

pub use std::sync::{Arc, Weak};

mod condvar;
mod mutex;
mod wait;

pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};
mod barrier;
mod once;
mod once_lock;
mod rwlock;
pub use barrier::{Barrier, BarrierWaitResult};
pub use once::{Once, OnceState};
pub use once_lock::{LazyLock, OnceLock};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub mod mpsc;
