//! The memory state strategies see ([`Step::memory`](coyote_core::strategy::Step::memory)): a
//! hash of the values the test's controlled atomics hold, for `mff`.
//!
//! Invariants:
//! * 0 when an iteration begins (the executor's reset), and 0 throughout unless its strategy
//!   reads it (`Strategy::needs_memory`: the others pay one flag per write);
//! * an atomic is named by the order in which the iteration first changed it, a pointer value
//!   by the order in which the iteration first saw it (an address is no name: where the
//!   allocator puts things differs between iterations and runs), so the hash is a function of
//!   the schedule, never of the addresses;
//! * a write that changes atomic `n` from `old` to `new` changes the hash by
//!   `term(n, old) ^ term(n, new)`, so the hash names the atomics' current values (relative to
//!   their first ones), whatever the order of the writes; a write of the value held changes
//!   nothing;
//! * one per thread: an iteration, its coroutines included, runs on one thread; the tables keep
//!   their capacity across iterations.

use coyote_core::fasthash::Fast;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

thread_local! {
    static MEMORY: RefCell<Memory> = RefCell::new(Memory::default());
    /// [`TRACKING`] and [`WROTE`]: one cell, so a write that changes a value reads one
    /// thread-local when the hash is not kept.
    static FLAGS: Cell<u8> = const { Cell::new(0) };
}

/// The running strategy reads the hash (`Strategy::needs_memory`); without it, a write only
/// sets [`WROTE`].
const TRACKING: u8 = 1;
/// This iteration changed an atomic's value.
const WROTE: u8 = 2;

#[derive(Default)]
struct Memory {
    hash: u64,
    /// Per atomic address: its name.
    atomics: HashMap<usize, u64, Fast>,
    /// Per pointer value: its name.
    pointers: HashMap<usize, u64, Fast>,
}

/// Starts an iteration's state; `tracking`: whether its strategy reads the hash.
pub(crate) fn reset(tracking: bool) {
    FLAGS.with(|f| f.set(if tracking { TRACKING } else { 0 }));
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        m.hash = 0;
        m.atomics.clear();
        m.pointers.clear();
    });
}

/// Whether this iteration changed an atomic's value.
pub(crate) fn wrote_any() -> bool {
    FLAGS.with(|f| f.get() & WROTE != 0)
}

/// The current state's hash.
pub(crate) fn get() -> u64 {
    MEMORY.with(|m| m.borrow().hash)
}

/// The atomic at `address` went from `old` to `new` (in a test); pointers' values (`pointer`)
/// are named by first sight.
#[inline]
pub(crate) fn wrote(address: usize, old: u64, new: u64, pointer: bool) {
    if old != new {
        let flags = FLAGS.with(|f| f.replace(f.get() | WROTE));
        if flags & TRACKING != 0 {
            MEMORY.with(|m| m.borrow_mut().wrote(address, old, new, pointer));
        }
    }
}

impl Memory {
    fn wrote(&mut self, address: usize, old: u64, new: u64, pointer: bool) {
        let next = self.atomics.len() as u64;
        let name = *self.atomics.entry(address).or_insert(next);
        let (old, new) = match pointer {
            true => (self.pointer(old), self.pointer(new)),
            false => (old, new),
        };
        self.hash ^= term(name, old) ^ term(name, new);
    }

    /// A pointer's name: 0 for null, else 1 + the order of first sight.
    fn pointer(&mut self, value: u64) -> u64 {
        if value == 0 {
            return 0;
        }
        let next = self.pointers.len() as u64 + 1;
        *self.pointers.entry(value as usize).or_insert(next)
    }
}

/// A well-mixed 64-bit term for the pair (atomic's name, value).
#[inline]
fn term(name: u64, value: u64) -> u64 {
    let mut state = name.rotate_left(40) ^ value.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    coyote_core::rng::splitmix64(&mut state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_names_the_values_not_the_order_of_the_writes() {
        reset(true);
        wrote(0x10, 0, 5, false);
        wrote(0x20, 1, 2, false);
        let a = get();
        reset(true);
        wrote(0x10, 0, 3, false);
        wrote(0x20, 1, 7, false);
        wrote(0x10, 3, 5, false);
        wrote(0x20, 7, 2, false);
        assert_eq!(get(), a, "same values, another path");
        wrote(0x10, 5, 5, false);
        assert_eq!(get(), a, "storing the value held changes nothing");
        wrote(0x10, 5, 0, false);
        wrote(0x20, 2, 1, false);
        assert_eq!(get(), 0, "back to the first values");
        wrote(0x10, 0, 2, false);
        let b = get();
        reset(true);
        wrote(0x10, 0, 7, false);
        wrote(0x20, 0, 2, false);
        wrote(0x10, 7, 0, false);
        assert_ne!(
            get(),
            b,
            "the same value in another atomic is another state"
        );
    }

    #[test]
    fn atomics_and_pointers_are_named_by_first_sight_not_by_address() {
        reset(true);
        wrote(0x1000, 0, 0x5000, true);
        wrote(0x2000, 0, 9, false);
        let a = get();
        // Another run: everything allocated elsewhere, the same writes in the same order.
        reset(true);
        wrote(0x8000, 0, 0x7000, true);
        wrote(0x9000, 0, 9, false);
        assert_eq!(get(), a);
    }
}
