//! Which executor, if any, controls this thread.
//!
//! A plain `Cell` pointer rather than a `scoped-tls` key: the key costs a second thread-local
//! read (`is_set`, then `with`) and a lazy-initialisation check on every access, and this is
//! read at every scheduling point and wake.
//!
//! Invariant: the pointer is set only while [`Executor::run_iteration`](super::Executor) runs
//! on this thread and points at that executor; it is cleared before the executor moves or drops.

use super::Executor;
use std::cell::Cell;

thread_local! {
    static CURRENT: Cell<*const Executor> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the executor controlling this thread, or returns `None` in production mode.
#[inline]
pub(crate) fn with_executor<R>(f: impl FnOnce(&Executor) -> R) -> Option<R> {
    let ptr = CURRENT.with(|c| c.get());
    if ptr.is_null() {
        None
    } else {
        // SAFETY: the pointer is set by `Installed::new` from a live `&Executor` and cleared by
        // its drop before that borrow ends, and only this thread can read it.
        Some(f(unsafe { &*ptr }))
    }
}

/// True when a controlled executor runs on this thread (test mode).
#[inline]
pub(crate) fn in_test() -> bool {
    CURRENT.with(|c| !c.get().is_null())
}

/// Installs an executor on this thread for the guard's lifetime.
pub(crate) struct Installed {
    previous: *const Executor,
}

impl Installed {
    pub(crate) fn new(ex: &Executor) -> Installed {
        let previous = CURRENT.with(|c| c.replace(ex as *const Executor));
        Installed { previous }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}
