//! Wakers that name a task: the data pointer packs the executor generation and the task id, so
//! making, cloning and waking one never allocates.
//!
//! Invariant: waking is only effective on the thread of the executor whose generation matches;
//! a waker kept past its iteration, or called from an uncontrolled thread, is counted in
//! [`FOREIGN_WAKES`] and otherwise ignored (the task then shows up as blocked in a deadlock).

use super::with_executor;
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

fn drop(_: *const ()) {}

/// The waker of `task` in executor generation `generation`.
#[inline]
pub(crate) fn task_waker(generation: u32, task: u32) -> Waker {
    // SAFETY: the vtable functions treat the data as a plain integer and never dereference it,
    // so every RawWaker contract (thread safety, clone/drop pairing) holds trivially.
    unsafe { Waker::from_raw(RawWaker::new(pack(generation, task), &VTABLE)) }
}
