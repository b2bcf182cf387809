//! [`Instant`]: time since a fixed base, read from the virtual clock in a test.
//!
//! Invariant: an instant is a `Duration` since `BASE`. In a test it is the virtual time itself
//! (so every iteration sees the same values and the real clock is never read, which coyote
//! would report as uncontrolled); in production it is tokio's clock minus `BASE`, a
//! `std::time::Instant` read once per process. Only `into_std`/`from_std` relate the two.

use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::sync::OnceLock;
use std::time::Duration;

/// A measurement of a monotonic clock; mirrors `tokio::time::Instant`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    since_base: Duration,
}

fn base() -> std::time::Instant {
    static BASE: OnceLock<std::time::Instant> = OnceLock::new();
    *BASE.get_or_init(std::time::Instant::now)
}

impl Instant {
    /// The current time: virtual in a test, tokio's clock in production.
    pub fn now() -> Instant {
        match coyote_harness::__private::virtual_now() {
            Some(since_base) => Instant { since_base },
            None => Instant::from_std(tokio::time::Instant::now().into_std()),
        }
    }

    /// From a `std::time::Instant` (one before the process's first instant counts as that).
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant {
            since_base: std.saturating_duration_since(base()),
        }
    }

    /// As a `std::time::Instant`.
    pub fn into_std(self) -> std::time::Instant {
        base() + self.since_base
    }

    /// Time elapsed from `earlier` to `self` (zero if `earlier` is later).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.since_base.saturating_sub(earlier.since_base)
    }

    /// Time elapsed from `earlier`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.since_base.checked_sub(earlier.since_base)
    }

    /// Time elapsed from `earlier`, zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.since_base.saturating_sub(earlier.since_base)
    }

    /// Time elapsed since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + d`, if representable.
    pub fn checked_add(&self, d: Duration) -> Option<Instant> {
        self.since_base
            .checked_add(d)
            .map(|since_base| Instant { since_base })
    }

    /// `self - d`, if representable.
    pub fn checked_sub(&self, d: Duration) -> Option<Instant> {
        self.since_base
            .checked_sub(d)
            .map(|since_base| Instant { since_base })
    }

    /// As tokio's instant (production timers).
    pub(crate) fn into_tokio(self) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.into_std())
    }
}

impl std::fmt::Debug for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Instant({:?} since the first)", self.since_base)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(i: Instant) -> std::time::Instant {
        i.into_std()
    }
}

impl From<tokio::time::Instant> for Instant {
    fn from(i: tokio::time::Instant) -> Instant {
        Instant::from_std(i.into_std())
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant {
            since_base: self.since_base + d,
        }
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.since_base += d;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        self.checked_sub(d)
            .expect("overflow when subtracting duration from instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.saturating_duration_since(other)
    }
}
