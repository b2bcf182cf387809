//! `SetOnce` over tokio's: a value set once, without waiting, that tasks wait for.

use crate::rt::{reads, Controlled, OpKind};
use std::fmt;
use std::future::Future;
use std::panic::Location;
pub use tokio::sync::SetOnceError;

/// A cell set at most once by `set` (which never waits), whose `wait` waits until it is set;
/// mirrors `tokio::sync::SetOnce`.
///
/// ```
/// use coyote_harness::{sync::SetOnce, task};
/// use std::sync::Arc;
/// # coyote_harness::check(|| async {
/// let ready = Arc::new(SetOnce::new());
/// let r = ready.clone();
/// let t = task::spawn(async move { *r.wait().await });
/// ready.set(7).unwrap();
/// assert!(ready.set(8).is_err());
/// assert_eq!(t.await.unwrap(), 7);
/// # }, coyote_harness::Config::new().iterations(20));
/// ```
pub struct SetOnce<T> {
    inner: tokio::sync::SetOnce<T>,
}

impl<T> SetOnce<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Self::const_new()
    }

    /// An empty cell, in a `const` context (a `static`); a static keeps its value from one
    /// test iteration to the next.
    pub const fn const_new() -> Self {
        SetOnce {
            inner: tokio::sync::SetOnce::const_new(),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    pub fn new_with(value: Option<T>) -> Self {
        SetOnce {
            inner: tokio::sync::SetOnce::new_with(value),
        }
    }

    /// A cell holding `value`, in a `const` context.
    pub const fn const_new_with(value: T) -> Self {
        SetOnce {
            inner: tokio::sync::SetOnce::const_new_with(value),
        }
    }

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        self.inner.initialized()
    }

    /// The value, if set. Never waits.
    pub fn get(&self) -> Option<&T> {
        self.inner.get()
    }

    /// Sets the value and wakes every waiting task; gives it back if the cell was set. Not a
    /// scheduling point.
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        self.inner.set(value)
    }

    /// The value, if set.
    pub fn into_inner(self) -> Option<T> {
        self.inner.into_inner()
    }

    /// Waits until the value is set. A scheduling point, named `set_once.wait`.
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = &T> + '_ {
        Controlled::new(
            self.inner.wait(),
            OpKind::SetOnceWait,
            Location::caller(),
            reads(self),
        )
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        SetOnce::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
