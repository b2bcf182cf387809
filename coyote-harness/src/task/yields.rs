//! Yields and declared accesses: [`yield_now`], and [`yield_read`] / [`yield_write`], which
//! name the shared object about to be read or written so that race-aware strategies (`pos`,
//! `dpor`) can order the accesses. All are scheduling points in test mode and (but for
//! `yield_now`, which is tokio's) nothing in production.

use crate::rt::{in_test, reads, writes, OpKind, YieldPoint};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: a scheduling point in tests, `tokio::task::yield_now` in production
/// (which defers the wake-up until tokio has polled I/O and timers).
#[track_caller]
#[inline]
pub fn yield_now() -> impl Future<Output = ()> + Send {
    let loc = Location::caller();
    let point = in_test().then(|| YieldPoint::new(OpKind::Yield, loc));
    YieldNow {
        point,
        tokio: tokio::task::yield_now(),
    }
}

pin_project_lite::pin_project! {
    /// [`yield_now`]'s future: the scheduling point in tests, tokio's future (polled directly,
    /// no wrapping state machine) in production.
    struct YieldNow<F> {
        point: Option<YieldPoint>,
        #[pin]
        tokio: F,
    }
}

impl<F: Future<Output = ()>> Future for YieldNow<F> {
    type Output = ();

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        match this.point {
            None => this.tokio.poll(cx),
            Some(point) => Pin::new(point).poll(cx),
        }
    }
}

/// A scheduling point before the caller reads shared state `object` (a field, a cell, a
/// collection) that other tasks may write. Await it right before the read.
///
/// Like [`yield_now`] it lets the strategy run another task first; in addition it names what is
/// about to be read, so a race-aware strategy (`pos`, in the default portfolio) knows that this
/// read races with pending [`yield_write`]s of the same object and orders them by a fresh draw,
/// however much unrelated work separates them. Any reference identifies the object (by address):
/// pass the same one to every read and write of it, and keep the object alive until the access
/// is done (a freed object's address may be reused by another). The harness's own primitives declare their
/// accesses themselves (a lock writes its mutex, `recv` writes its channel).
///
/// In production it does nothing and is ready at once.
///
/// ```
/// use coyote_harness::task;
/// use std::sync::{atomic::{AtomicBool, Ordering}, Arc};
/// # coyote_harness::check(|| async {
/// let ready = Arc::new(AtomicBool::new(false));
/// let r = ready.clone();
/// let writer = task::spawn(async move {
///     task::yield_write(&*r).await;
///     r.store(true, Ordering::Relaxed);
/// });
/// task::yield_read(&*ready).await;
/// let _seen = ready.load(Ordering::Relaxed); // either value, depending on the schedule
/// writer.await.unwrap();
/// # }, coyote_harness::Config::new().iterations(10));
/// ```
#[track_caller]
pub fn yield_read<T: ?Sized>(object: &T) -> impl Future<Output = ()> + Send {
    declared_point(OpKind::Read, reads(object))
}

/// A scheduling point before the caller writes shared state `object`: as [`yield_read`], for a
/// write (which races with every read and write of the object). In production it does nothing.
#[track_caller]
pub fn yield_write<T: ?Sized>(object: &T) -> impl Future<Output = ()> + Send {
    declared_point(OpKind::Write, writes(object))
}

/// A scheduling point at the caller's caller that declares `access`; nothing in production.
#[track_caller]
fn declared_point(kind: OpKind, access: Access) -> impl Future<Output = ()> + Send {
    let loc = Location::caller();
    let point = in_test().then(|| YieldPoint::with_access(kind, loc, access));
    async move {
        if let Some(point) = point {
            point.await
        }
    }
}
