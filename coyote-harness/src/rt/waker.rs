//! Wakers that name a task: the data pointer packs the executor generation and the task id, so
//! making, cloning and waking one never allocates.
//!
//! Invariant: waking is only effective on the thread of the executor whose generation matches;
//! a waker kept past its iteration, or called from an uncontrolled thread, is counted in
//! [`FOREIGN_WAKES`] and otherwise ignored (the task then shows up as blocked in a deadlock).
//! Dropping a waker does nothing but, during a [`Probe`], one thread-local read.

use super::with_executor;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{RawWaker, RawWakerVTable, Waker};

/// Wakes that arrived from another thread or a finished iteration.
pub(crate) static FOREIGN_WAKES: AtomicU64 = AtomicU64::new(0);

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

fn pack(generation: u32, task: u32) -> *const () {
    (((generation as u64) << 32) | task as u64) as usize as *const ()
}

fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn wake(data: *const ()) {
    let bits = data as usize as u64;
    let generation = (bits >> 32) as u32;
    let task = bits as u32;
    let woke = with_executor(|ex| ex.wake(generation, task)).unwrap_or(false);
    if !woke {
        FOREIGN_WAKES.fetch_add(1, Ordering::Relaxed);
    }
}

fn drop(_: *const ()) {
    if PROBING.with(Cell::get) {
        probed_drop();
    }
}

thread_local! {
    /// A [`Probe`] runs on this thread and has not seen tokio drop a waker yet.
    static PROBING: Cell<bool> = const { Cell::new(false) };
    /// The tokio type whose drop dropped a waker during the probe.
    static PROBED: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[cold]
#[inline(never)]
fn probed_drop() {
    let stack = std::backtrace::Backtrace::force_capture().to_string();
    if let Some((tokio_type, _)) = super::coop::tokio_caller(&stack) {
        PROBING.with(|p| p.set(false));
        PROBED.with(|p| *p.borrow_mut() = Some(tokio_type));
    }
}

/// Watches, while something is dropped, for a real tokio future to drop one of our wakers
/// (one the user's future gave it): what a task that is never woken waited on.
pub(crate) struct Probe(());

impl Probe {
    pub(crate) fn start() -> Probe {
        PROBED.with(|p| *p.borrow_mut() = None);
        PROBING.with(|p| p.set(true));
        Probe(())
    }

    /// The tokio type (`tokio::sync::notify::Notified`) that dropped a waker, if one did.
    pub(crate) fn finish(self) -> Option<String> {
        PROBING.with(|p| p.set(false));
        PROBED.with(|p| p.borrow_mut().take())
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        PROBING.with(|p| p.set(false));
    }
}

/// The waker of `task` in executor generation `generation`.
#[inline]
pub(crate) fn task_waker(generation: u32, task: u32) -> Waker {
    // SAFETY: the vtable functions treat the data as a plain integer and never dereference it,
    // so every RawWaker contract (thread safety, clone/drop pairing) holds trivially.
    unsafe { Waker::from_raw(RawWaker::new(pack(generation, task), &VTABLE)) }
}
