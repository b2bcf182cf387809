//! The woken tasks as a bit set beside the table, so that a decision reads the enabled set off
//! one word instead of scanning every task (the hot path: a decision at every step).
//!
//! Invariant: for every task id below [`WokenMask::COVERS`], bit `id` is set iff that task is
//! [`TaskState::Woken`], while the table holds at most that many tasks. A task's state is
//! written only in this module's parent (`tasks.rs`) and in `pause.rs`, each write beside its
//! mask update; debug builds check the whole mask against the table at every read
//! ([`Tasks::woken_mask`]). Once the table holds more tasks, the mask is not read again (the
//! caller scans the table) until the table's reset, and a higher id's update may touch a low
//! id's bit.

use super::{Task, TaskState, Tasks};
use std::cell::Cell;

/// See the module docs.
#[derive(Default)]
pub(crate) struct WokenMask(Cell<u64>);

impl WokenMask {
    /// How many task ids (from 0) the mask covers.
    pub(crate) const COVERS: usize = u64::BITS as usize;

    /// Task `id` is now `Woken`.
    #[inline(always)]
    pub(super) fn set(&self, id: u32) {
        self.0.set(self.0.get() | bit(id));
    }

    /// Task `id` is now anything but `Woken`.
    #[inline(always)]
    pub(super) fn clear(&self, id: u32) {
        self.0.set(self.0.get() & !bit(id));
    }

    /// No task.
    pub(super) fn reset(&self) {
        self.0.set(0);
    }
}

/// The bit of task `id` (one shift: past the mask's width it is another task's bit, which is
/// never read again in the iteration, since a table only grows until its reset).
#[inline(always)]
fn bit(id: u32) -> u64 {
    1u64.wrapping_shl(id)
}

impl Tasks {
    /// The woken tasks of `table` (this table, borrowed by the caller) as a bit set (bit `i`:
    /// task `i`), or `None` when there are more tasks than it covers (scan `table` then).
    #[inline(always)]
    pub(crate) fn woken_mask(&self, table: &[Task]) -> Option<u64> {
        if table.len() > WokenMask::COVERS {
            return None;
        }
        let mask = self.woken.0.get();
        debug_assert_eq!(
            mask,
            table
                .iter()
                .enumerate()
                .filter(|(_, t)| t.state == TaskState::Woken)
                .fold(0, |m, (i, _)| m | 1 << i),
            "the woken mask disagrees with the task table"
        );
        Some(mask)
    }
}

/// Appends the ids of `mask`'s set bits to `into`, ascending (a scan of the table would list
/// the woken tasks in the same order).
#[inline(always)]
pub(crate) fn push_ids(mut mask: u64, into: &mut Vec<u32>) {
    // At most 64 ids: room for them all up front, so the loop checks no capacity.
    into.reserve(WokenMask::COVERS);
    let len = into.len();
    let base = into.as_mut_ptr();
    let mut n = 0;
    while mask != 0 {
        // SAFETY: `n` is below the number of set bits (at most 64), and `len + 64` elements
        // fit the capacity reserved above.
        unsafe { base.add(len + n).write(mask.trailing_zeros()) };
        n += 1;
        mask &= mask - 1;
    }
    // SAFETY: the `n` elements after `len` were written above, within the capacity.
    unsafe { into.set_len(len + n) };
}
