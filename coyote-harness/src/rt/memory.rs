//! The memory state strategies see ([`Step::memory`](coyote_core::strategy::Step::memory)): a
//! hash of the values the test's controlled atomics hold, for `mff`.
//!
//! Invariants: 0 when an iteration begins (the executor's reset); a write that changes the
//! value at address `a` from `old` to `new` changes the hash by `term(a, old) ^ term(a, new)`,
//! so the hash is a function of the atomics' current values (relative to their first ones),
//! whatever the order of the writes; a write that stores the value already held changes
//! nothing. One per thread: an iteration, its coroutines included, runs on one thread.

use std::cell::Cell;

thread_local! {
    static MEMORY: Cell<u64> = const { Cell::new(0) };
}

/// Starts an iteration's state.
pub(crate) fn reset() {
    MEMORY.with(|m| m.set(0));
}

/// The current state's hash.
pub(crate) fn get() -> u64 {
    MEMORY.with(|m| m.get())
}

/// The atomic at `address` went from `old` to `new` (in a test).
#[inline]
pub(crate) fn wrote(address: usize, old: u64, new: u64) {
    if old != new {
        MEMORY.with(|m| m.set(m.get() ^ term(address, old) ^ term(address, new)));
    }
}

/// A well-mixed 64-bit term for the pair (address, value).
#[inline]
fn term(address: usize, value: u64) -> u64 {
    let mut state = (address as u64).rotate_left(32) ^ value.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    coyote_core::rng::splitmix64(&mut state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_names_the_values_not_the_order_of_the_writes() {
        reset();
        wrote(0x10, 0, 5);
        wrote(0x20, 1, 2);
        let a = get();
        reset();
        wrote(0x20, 1, 7);
        wrote(0x10, 0, 5);
        wrote(0x20, 7, 2);
        assert_eq!(get(), a, "same values, other order and path");
        wrote(0x10, 5, 5);
        assert_eq!(get(), a, "storing the value held changes nothing");
        wrote(0x10, 5, 0);
        wrote(0x20, 2, 1);
        assert_eq!(get(), 0, "back to the first values");
        wrote(0x10, 0, 2);
        let b = get();
        reset();
        wrote(0x20, 1, 2);
        assert_ne!(get(), b, "the same value at another address is another state");
    }
}
