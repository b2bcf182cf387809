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
