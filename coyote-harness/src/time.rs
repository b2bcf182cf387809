//! Time: a mirror of `tokio::time` (`sleep`, `sleep_until`, `timeout`, `timeout_at`, `interval`,
//! `Instant`).
//!
//! In test mode time is virtual and never waits on the wall clock. A sleeping task (or a task
//! awaiting a `timeout`) holds a timer; while the test's main task is unfinished, firing that
//! timer is a choice the strategy makes at any scheduling point, like picking a task, and it moves
//! virtual time forward to the timer's deadline. So a timeout can fire before the reply it guards
//! arrives, or after; both are explored. Virtual time starts at zero each iteration.
//!
//! In production mode these are tokio's timers.

use crate::rt::{in_test, with_executor, OpKind, YieldPoint};
use pin_project_lite::pin_project;
use std::future::Future;
use std::ops::{Add, AddAssign, Sub};
use std::panic::Location;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

/// A point in (virtual, in tests) time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

fn base() -> std::time::Instant {
    static BASE: OnceLock<std::time::Instant> = OnceLock::new();
    *BASE.get_or_init(std::time::Instant::now)
}

/// The current time: virtual in tests, the monotonic clock in production.
pub fn now() -> Instant {
    match with_executor(|ex| ex.now()) {
        Some(t) => Instant(t),
        None => Instant(base().elapsed()),
    }
}

impl Instant {
    /// The current time; same as [`now`].
    pub fn now() -> Instant {
        now()
    }

    /// Time elapsed since `earlier` (zero if `earlier` is later).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// Time elapsed since this instant.
    pub fn elapsed(&self) -> Duration {
        now().duration_since(*self)
    }

    /// Time since the start (of the iteration, in tests).
    pub(crate) fn since_start(self) -> Duration {
        self.0
    }

    fn to_tokio(self) -> tokio::time::Instant {
        tokio::time::Instant::from_std(base() + self.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 += d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.duration_since(other)
    }
}

pin_project! {
    /// The future of [`sleep`] and [`sleep_until`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Sleep {
        #[pin]
        inner: SleepInner,
    }
}

pin_project! {
    #[project = SleepProj]
    enum SleepInner {
        Tokio { #[pin] inner: tokio::time::Sleep },
        Virtual { deadline: Duration, point: YieldPoint, kind: OpKind, loc: &'static Location<'static> },
    }
}

impl Sleep {
    fn virtual_until(deadline: Duration, kind: OpKind, loc: &'static Location<'static>) -> Sleep {
        Sleep {
            inner: SleepInner::Virtual {
                deadline,
                point: YieldPoint::new(kind, loc),
                kind,
                loc,
            },
        }
    }
}

/// Waits for `duration`. A scheduling point in tests.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(now() + duration)
}

/// Waits until `deadline`. A scheduling point in tests.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    sleep_until_at(deadline, OpKind::Sleep, Location::caller())
}

/// [`sleep_until`] attributed to `loc`, logged as `kind` in tests.
fn sleep_until_at(deadline: Instant, kind: OpKind, loc: &'static Location<'static>) -> Sleep {
    if in_test() {
        Sleep::virtual_until(deadline.0, kind, loc)
    } else {
        Sleep {
            inner: SleepInner::Tokio {
                inner: tokio::time::sleep_until(deadline.to_tokio()),
            },
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().inner.project() {
            SleepProj::Tokio { inner } => inner.poll(cx),
            SleepProj::Virtual {
                deadline,
                point,
                kind,
                loc,
            } => {
                if Pin::new(point).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                poll_deadline(*deadline, Some((*kind, loc)))
            }
        }
    }
}

fn poll_deadline(
    deadline: Duration,
    what: Option<(OpKind, &'static Location<'static>)>,
) -> Poll<()> {
    let ready = with_executor(|ex| {
        if ex.now() >= deadline {
            true
        } else {
            ex.register_timer(deadline, what);
            false
        }
    });
    match ready {
        Some(false) => Poll::Pending,
        _ => Poll::Ready(()),
    }
}

/// The error of a [`timeout`] that elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl std::fmt::Display for Elapsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

pin_project! {
    /// The future of [`timeout`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        inner: TimeoutInner<F>,
    }
}

pin_project! {
    #[project = TimeoutProj]
    enum TimeoutInner<F> {
        Tokio { #[pin] inner: tokio::time::Timeout<F> },
        Virtual { #[pin] inner: F, deadline: Duration },
    }
}

/// Runs `future` for at most `duration`. In tests the deadline firing is a scheduler choice.
#[track_caller]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    let inner = if in_test() {
        TimeoutInner::Virtual {
            inner: future,
            deadline: now().0 + duration,
        }
    } else {
        TimeoutInner::Tokio {
            inner: tokio::time::timeout(duration, future),
        }
    };
    Timeout { inner }
}

/// Runs `future` until `deadline` at most; mirrors `tokio::time::timeout_at`. In tests the
/// deadline firing is a scheduler choice, as for [`timeout`].
#[track_caller]
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    let inner = if in_test() {
        TimeoutInner::Virtual {
            inner: future,
            deadline: deadline.0,
        }
    } else {
        TimeoutInner::Tokio {
            inner: tokio::time::timeout_at(deadline.to_tokio(), future),
        }
    };
    Timeout { inner }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().inner.project() {
            TimeoutProj::Tokio { inner } => inner.poll(cx).map(|r| r.map_err(|_| Elapsed(()))),
            TimeoutProj::Virtual { inner, deadline } => {
                if let Poll::Ready(v) = inner.poll(cx) {
                    return Poll::Ready(Ok(v));
                }
                // As tokio, the future first, then the deadline: a future that stopped at the
                // scheduling point before an operation has not been polled into that
                // operation yet, so a due deadline waits for its next poll (a ready lock or a
                // full oneshot under `timeout(Duration::ZERO, ..)` is `Ok`, as in tokio).
                if with_executor(|ex| ex.deferred_at_point() && ex.now() >= *deadline) == Some(true)
                {
                    return Poll::Pending;
                }
                match poll_deadline(*deadline, None) {
                    Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// Ticks every `period`, the first tick at once; mirrors `tokio::time::interval`.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval: the period must be non-zero");
    let inner = if in_test() {
        IntervalInner::Virtual {
            next: now(),
            period,
            loc: Location::caller(),
        }
    } else {
        IntervalInner::Tokio(tokio::time::interval(period))
    };
    Interval { inner }
}

/// See [`interval`].
#[derive(Debug)]
pub struct Interval {
    inner: IntervalInner,
}

#[derive(Debug)]
enum IntervalInner {
    Tokio(tokio::time::Interval),
    Virtual {
        next: Instant,
        period: Duration,
        loc: &'static Location<'static>,
    },
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time. A scheduling point in tests.
    pub async fn tick(&mut self) -> Instant {
        match &mut self.inner {
            IntervalInner::Tokio(i) => {
                let t = i.tick().await;
                Instant(t.into_std().saturating_duration_since(base()))
            }
            IntervalInner::Virtual { next, period, loc } => {
                let at = *next;
                Sleep::virtual_until(at.0, OpKind::IntervalTick, loc).await;
                *next = at + *period;
                at
            }
        }
    }
}
