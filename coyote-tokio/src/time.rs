//! `tokio::time`: virtual time in a test, tokio's timers in production.
//!
//! In a test, [`Instant::now`] is the iteration's virtual clock (it starts at the same fixed
//! instant every iteration and moves only when the strategy fires a timer), and every sleep,
//! timeout and interval tick is a timer whose firing is a scheduler choice. In production each
//! item is tokio's.
//!
//! [`pause`], [`resume`] and [`advance`] are always there in a test, where time is virtual
//! anyway (`advance(d)` sleeps `d` of virtual time, firing the timers due meanwhile, as tokio's
//! does); in production they are tokio's and need this crate's `test-util` feature.

mod instant;
mod interval;
mod sleep;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;

pub use coyote_harness::time::Timeout;

/// The errors of `tokio::time`.
pub mod error {
    pub use coyote_harness::time::Elapsed;
    pub use tokio::time::error::Error;
}

/// Requires `future` to complete within `duration`; mirrors `tokio::time::timeout`.
#[track_caller]
pub fn timeout<F: std::future::Future>(duration: Duration, future: F) -> Timeout<F> {
    coyote_harness::time::timeout(duration, future)
}

/// Requires `future` to complete before `deadline`; mirrors `tokio::time::timeout_at`.
#[track_caller]
pub fn timeout_at<F: std::future::Future>(deadline: Instant, future: F) -> Timeout<F> {
    coyote_harness::time::timeout(deadline.saturating_duration_since(Instant::now()), future)
}

/// Pauses time (tokio's `test-util`); nothing to do in a test, where time is virtual.
#[track_caller]
pub fn pause() {
    if !coyote_harness::is_test_mode() {
        production::pause()
    }
}

/// Resumes paused time (tokio's `test-util`); nothing to do in a test.
#[track_caller]
pub fn resume() {
    if !coyote_harness::is_test_mode() {
        production::resume()
    }
}

/// Moves time forward by `duration`, firing the timers due meanwhile. In a test it is a
/// virtual sleep of `duration` (a scheduling point); in production it is tokio's (`test-util`).
#[track_caller]
pub fn advance(duration: Duration) -> impl std::future::Future<Output = ()> {
    let test = coyote_harness::is_test_mode();
    let slept = test.then(|| sleep(duration));
    async move {
        match slept {
            Some(s) => s.await,
            None => production::advance(duration).await,
        }
    }
}

#[cfg(feature = "test-util")]
mod production {
    pub(super) fn pause() {
        tokio::time::pause()
    }
    pub(super) fn resume() {
        tokio::time::resume()
    }
    pub(super) async fn advance(d: std::time::Duration) {
        tokio::time::advance(d).await
    }
}

#[cfg(not(feature = "test-util"))]
mod production {
    const NEEDS: &str = "tokio::time::pause, resume and advance outside a coyote test need coyote-tokio's `test-util` feature (tokio's)";
    pub(super) fn pause() {
        panic!("{NEEDS}")
    }
    pub(super) fn resume() {
        panic!("{NEEDS}")
    }
    pub(super) async fn advance(_: std::time::Duration) {
        panic!("{NEEDS}")
    }
}
