//! [`TimerId`], the name a timer's events carry.
//!
//! Invariant: held as the id plus one, so an `Option<TimerId>` is one word.

use std::fmt;

/// Names a timer started by [`Context::start_timer`](crate::actor::Context::start_timer) or
/// [`Context::start_periodic_timer`](crate::actor::Context::start_periodic_timer); the events it sends
/// carry it ([`Context::timer_id`](crate::actor::Context::timer_id)). Ids are given in start order
/// per actor, from 0.
// Held as the id plus one, so that an `Option<TimerId>` (in every queued event) is one word.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(std::num::NonZeroU64);

impl TimerId {
    pub(super) fn new(n: u64) -> TimerId {
        TimerId(std::num::NonZeroU64::MIN.saturating_add(n))
    }

    pub(super) fn number(self) -> u64 {
        self.0.get() - 1
    }
}

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timer {}", self.number())
    }
}

impl fmt::Debug for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimerId({})", self.number())
    }
}
