//! [`Interval`]: tokio's in production; in a test, a virtual [`Sleep`] re-armed after each
//! tick by tokio's rules for missed ticks.

use super::{sleep_until, Instant, Sleep};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub use tokio::time::MissedTickBehavior;

/// A tick later than this after its time counts as missed (tokio's threshold).
const MISSED: Duration = Duration::from_millis(5);

/// Ticks every `period`, the first tick at once; mirrors `tokio::time::interval`.
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`; mirrors `tokio::time::interval_at`.
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    let inner = if coyote_harness::is_test_mode() {
        Inner::Virtual {
            sleep: Box::pin(sleep_until(start)),
            period,
            behavior: MissedTickBehavior::Burst,
        }
    } else {
        Inner::Tokio(tokio::time::interval_at(start.into_tokio(), period))
    };
    Interval { inner }
}

/// See [`interval`]; mirrors `tokio::time::Interval`.
#[derive(Debug)]
pub struct Interval {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Tokio(tokio::time::Interval),
    Virtual {
        sleep: Pin<Box<Sleep>>,
        period: Duration,
        behavior: MissedTickBehavior,
    },
}

/// When the tick after one due at `due`, seen at `now`, is due.
fn next_after(
    due: Instant,
    now: Instant,
    period: Duration,
    behavior: MissedTickBehavior,
) -> Instant {
    if now.saturating_duration_since(due) <= MISSED {
        return due + period;
    }
    match behavior {
        MissedTickBehavior::Burst => due + period,
        MissedTickBehavior::Delay => now + period,
        MissedTickBehavior::Skip => {
            let late = now.saturating_duration_since(due).as_nanos();
            let p = period.as_nanos();
            now + Duration::from_nanos((p - late % p) as u64)
        }
    }
}

impl Interval {
    /// Waits for the next tick; returns the instant it was due.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    #[track_caller]
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        match &mut self.inner {
            Inner::Tokio(i) => i.poll_tick(cx).map(Instant::from),
            Inner::Virtual {
                sleep,
                period,
                behavior,
            } => {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let due = sleep.deadline();
                let next = next_after(due, Instant::now(), *period, *behavior);
                sleep.as_mut().reset(next);
                Poll::Ready(due)
            }
        }
    }

    /// The next tick is one period from now.
    #[track_caller]
    pub fn reset(&mut self) {
        self.reset_at(Instant::now() + self.period());
    }

    /// The next tick is now.
    #[track_caller]
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// The next tick is `after` from now.
    #[track_caller]
    pub fn reset_after(&mut self, after: Duration) {
        self.reset_at(Instant::now() + after);
    }

    /// The next tick is at `deadline`.
    #[track_caller]
    pub fn reset_at(&mut self, deadline: Instant) {
        match &mut self.inner {
            Inner::Tokio(i) => i.reset_at(deadline.into_tokio()),
            Inner::Virtual { sleep, .. } => sleep.as_mut().reset(deadline),
        }
    }

    /// What happens to missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        match &self.inner {
            Inner::Tokio(i) => i.missed_tick_behavior(),
            Inner::Virtual { behavior, .. } => *behavior,
        }
    }

    /// Sets what happens to missed ticks.
    pub fn set_missed_tick_behavior(&mut self, b: MissedTickBehavior) {
        match &mut self.inner {
            Inner::Tokio(i) => i.set_missed_tick_behavior(b),
            Inner::Virtual { behavior, .. } => *behavior = b,
        }
    }

    /// The period.
    pub fn period(&self) -> Duration {
        match &self.inner {
            Inner::Tokio(i) => i.period(),
            Inner::Virtual { period, .. } => *period,
        }
    }
}
