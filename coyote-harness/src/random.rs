//! Declared non-determinism: `random::bool()`, `random::int(n)`, `random::choose(&items)`.
//!
//! In test mode each call is a choice point the strategy decides and the trace records (DFS
//! enumerates every value). In production mode it is a real pseudo-random generator, seeded
//! differently in every process and thread.
//!
//! ```
//! use coyote_harness::random;
//! # coyote_harness::check(|| async {
//! let fail_the_request = random::bool();
//! let replica = random::int(3);
//! assert!(replica < 3);
//! # let _ = fail_the_request;
//! # }, coyote_harness::Config::new().iterations(10));
//! ```

use crate::rt::{with_executor, ChoiceOf};
use coyote_core::rng::Rng;
use std::cell::RefCell;
use std::hash::{BuildHasher, Hasher};
use std::panic::Location;

thread_local! {
    static PRODUCTION_RNG: RefCell<Rng> = RefCell::new(Rng::new({
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0));
        h.finish()
    }));
}

/// A boolean chosen by the strategy (tests) or at random (production).
#[track_caller]
pub fn bool() -> bool {
    let loc = Location::caller();
    with_executor(|ex| ex.choose_bool(loc))
        .unwrap_or_else(|| PRODUCTION_RNG.with(|r| r.borrow_mut().coin()))
}

/// An integer in `0..max` chosen by the strategy (tests) or at random (production).
///
/// # Panics
/// If `max` is zero.
#[track_caller]
pub fn int(max: u64) -> u64 {
    assert!(max > 0, "random::int: the bound must be positive");
    int_of(max, ChoiceOf::Random)
}

/// `int(max)` (`max >= 1`), recorded as deciding `of`.
#[track_caller]
pub(crate) fn int_of(max: u64, of: ChoiceOf) -> u64 {
    if max == 1 {
        return 0;
    }
    let loc = Location::caller();
    with_executor(|ex| ex.choose_int(max, loc, of))
        .unwrap_or_else(|| PRODUCTION_RNG.with(|r| r.borrow_mut().below(max)))
}

/// One of `items`, chosen by the strategy (tests) or at random (production).
///
/// # Panics
/// If `items` is empty.
#[track_caller]
pub fn choose<T>(items: &[T]) -> &T {
    assert!(!items.is_empty(), "random::choose: no items to choose from");
    &items[int(items.len() as u64) as usize]
}
