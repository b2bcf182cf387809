//! `OnceCell` over tokio's: a value initialized at most once, by whichever task gets there first.
//!
//! In production every operation is tokio's. In test mode the value still lives in a
//! `tokio::sync::OnceCell`, but initialization goes through a lock of this mirror's own (a
//! `tokio::sync::Mutex<()>`, held by the task running an initializer), so that waiting for
//! another task's initializer is a controlled wait: [`OnceCell::get_or_init`] is a scheduling
//! point, and a task waiting there is named in a deadlock report (an initializer that awaits its
//! own cell, or something that never comes).
//!
//! Invariants: in test mode the value is only set while `init` is held (by an initializer, or by
//! [`OnceCell::set`] through `try_lock`), so `set` sees an initializer at work exactly when
//! tokio's would; a cancelled initializer (its task aborted, its future dropped) releases `init`
//! with the cell still empty, and the next waiter runs its own initializer, as with tokio.

use crate::rt::{in_test, writes, Controlled, OpKind, YieldPoint};
use std::fmt;
use std::future::Future;
use std::panic::Location;

pub use tokio::sync::SetError;

/// A thread-safe cell written at most once; mirrors `tokio::sync::OnceCell`.
///
/// ```
/// use coyote_harness::{sync::OnceCell, task};
/// use std::sync::Arc;
/// # coyote_harness::check(|| async {
/// let config = Arc::new(OnceCell::new());
/// let c = config.clone();
/// let t = task::spawn(async move { *c.get_or_init(|| async { 7 }).await });
/// let mine = *config.get_or_init(|| async { 7 }).await;
/// assert_eq!(t.await.unwrap(), mine); // whichever task initialized it, both see one value
/// # }, coyote_harness::Config::new().iterations(20));
/// ```
pub struct OnceCell<T> {
    cell: tokio::sync::OnceCell<T>,
    /// Test mode: held while a task initializes the cell (see the module docs).
    init: tokio::sync::Mutex<()>,
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Self::const_new()
    }

    /// An empty cell, in a `const` context (a `static`). A static keeps its value from one
    /// test iteration to the next: reset it, or give each iteration its own cell.
    pub const fn const_new() -> Self {
        OnceCell {
            cell: tokio::sync::OnceCell::const_new(),
            init: tokio::sync::Mutex::const_new(()),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    pub fn new_with(value: Option<T>) -> Self {
        OnceCell {
            cell: tokio::sync::OnceCell::new_with(value),
            init: tokio::sync::Mutex::const_new(()),
        }
    }

    /// The value, if the cell is initialized. Never waits; not a scheduling point.
    pub fn get(&self) -> Option<&T> {
        self.cell.get()
    }

    /// The value, mutably, if the cell is initialized.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.cell.get_mut()
    }

    /// Whether the cell is initialized. Not a scheduling point.
    pub fn initialized(&self) -> bool {
        self.cell.initialized()
    }

    /// Sets the value if the cell is empty and no task is initializing it; otherwise gives the
    /// value back in the error. Never waits; not a scheduling point.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if in_test() {
            // Hold the lock an initializer would hold, so the two never interleave.
            let Ok(_init) = self.init.try_lock() else {
                return Err(SetError::InitializingError(value));
            };
            return self.cell.set(value);
        }
        self.cell.set(value)
    }

    /// The value, initializing the cell with `f` first if it is empty. If another task is
    /// initializing it, waits for that task; if that task is cancelled, runs `f` instead. On an
    /// empty cell, a scheduling point (in test mode), named `once_cell.get_or_init`; on an
    /// initialized one, none (the value can no longer change).
    #[track_caller]
    pub fn get_or_init<'a, F, Fut>(&'a self, f: F) -> impl Future<Output = &'a T> + 'a
    where
        F: FnOnce() -> Fut + 'a,
        Fut: Future<Output = T> + 'a,
    {
        let loc = Location::caller();
        async move {
            if !in_test() {
                return self.cell.get_or_init(f).await;
            }
            match self
                .init_at(loc, move || async move { Ok::<T, Never>(f().await) })
                .await
            {
                Ok(v) => v,
                Err(never) => match never {},
            }
        }
    }

    /// [`OnceCell::get_or_init`] with a fallible initializer: on `Err` the cell stays empty and
    /// the error is returned (a waiting task then runs its own initializer).
    #[track_caller]
    pub fn get_or_try_init<'a, E, F, Fut>(
        &'a self,
        f: F,
    ) -> impl Future<Output = Result<&'a T, E>> + 'a
    where
        F: FnOnce() -> Fut + 'a,
        Fut: Future<Output = Result<T, E>> + 'a,
        E: 'a,
    {
        let loc = Location::caller();
        async move {
            if !in_test() {
                return self.cell.get_or_try_init(f).await;
            }
            self.init_at(loc, f).await
        }
    }

    /// Test mode's `get_or_try_init`, its scheduling points attributed to `loc`.
    async fn init_at<E, F, Fut>(&self, loc: &'static Location<'static>, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        const KIND: OpKind = OpKind::OnceCellGetOrInit;
        // An initialized cell never changes again (that needs `&mut`), so reading it races with
        // nothing: no scheduling point.
        if let Some(v) = self.cell.get() {
            return Ok(v);
        }
        YieldPoint::with_access(KIND, loc, writes(self)).await;
        if let Some(v) = self.cell.get() {
            return Ok(v);
        }
        let _init = match self.init.try_lock() {
            Ok(guard) => guard,
            // Another task is initializing: wait for it (a controlled wait).
            Err(_) => Controlled::new(self.init.lock(), KIND, loc, writes(self)).await,
        };
        if let Some(v) = self.cell.get() {
            return Ok(v);
        }
        let value = f().await?;
        // Cannot fail: the cell is empty, and `set` needs the lock this task holds.
        let _ = self.cell.set(value);
        Ok(self.cell.get().expect("the cell was just set"))
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        self.cell.take()
    }

    /// The value, if the cell is initialized.
    pub fn into_inner(self) -> Option<T> {
        self.cell.into_inner()
    }
}

/// The error of an initializer that cannot fail.
enum Never {}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        Self::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        Self::new_with(Some(value))
    }
}
