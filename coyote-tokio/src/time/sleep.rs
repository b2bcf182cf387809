//! [`Sleep`]: tokio's in production, the harness's virtual timer in a test.

use super::Instant;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pin_project! {
    /// The future of [`sleep`] and [`sleep_until`]; mirrors `tokio::time::Sleep`.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        deadline: Instant,
        #[pin]
        inner: Inner,
    }
}

pin_project! {
    #[project = InnerProj]
    enum Inner {
        Tokio { #[pin] sleep: tokio::time::Sleep },
        Virtual { yield_first: Option<Yield>, #[pin] sleep: coyote_harness::time::Sleep },
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// The yield a virtual sleep makes before it waits (see [`timer`]).
type Yield = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The timer for `deadline`, attributed to the caller.
///
/// In a test, the sleep first yields (`yield_now`): a task going to sleep gives way, so the
/// priority strategies (`pct`, `pos`) demote it as they demote a yielder. Without that, a
/// background loop on an interval, the highest-priority task, would fire its own timer again
/// and again (each firing moves virtual time on) and starve the others until the step bound.
#[track_caller]
fn timer(deadline: Instant) -> Inner {
    if coyote_harness::is_test_mode() {
        let left = deadline.saturating_duration_since(Instant::now());
        Inner::Virtual {
            yield_first: Some(Box::pin(coyote_harness::task::yield_now())),
            sleep: coyote_harness::time::sleep(left),
        }
    } else {
        Inner::Tokio {
            sleep: tokio::time::sleep_until(deadline.into_tokio()),
        }
    }
}

/// Waits until `duration` has elapsed; mirrors `tokio::time::sleep`.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(86400 * 365 * 30));
    sleep_until(deadline)
}

/// Waits until `deadline`; mirrors `tokio::time::sleep_until`.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        inner: timer(deadline),
    }
}

impl Sleep {
    /// The instant the sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline to `deadline` (the sleep may have completed already).
    #[track_caller]
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let mut this = self.project();
        *this.deadline = deadline;
        match this.inner.as_mut().project() {
            InnerProj::Tokio { sleep } => sleep.reset(deadline.into_tokio()),
            InnerProj::Virtual { .. } => this.inner.set(timer(deadline)),
        }
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().inner.project() {
            InnerProj::Tokio { sleep } => sleep.poll(cx),
            InnerProj::Virtual { yield_first, sleep } => {
                if let Some(y) = yield_first {
                    if y.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *yield_first = None;
                }
                sleep.poll(cx)
            }
        }
    }
}
