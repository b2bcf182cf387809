//! The futures every controlled operation is made of.
//!
//! A controlled operation first *yields* ([`YieldPoint`]): it records what it is about to do and
//! where and wakes its own task, and the strategy chooses who runs next, inside that first poll
//! (see `executor::decide`): if it keeps the task, the operation is performed in the same poll
//! (a free lock is `Ready` at once, as in tokio); otherwise the poll returns `Pending` and the
//! operation is performed when the task is chosen again. A bare `yield_now` always returns
//! `Pending` once. [`Controlled`] wraps a tokio primitive's
//! future that way and marks the task blocked (with what and where) while the primitive is not
//! ready, so a deadlock report names what every task waits on.
//!
//! Each records the [`Access`] the operation makes (the primitive it touches, reading or
//! writing), so race-aware strategies can tell which pending operations race.
//!
//! Invariant: outside test mode both are transparent: no yield, no bookkeeping.

use super::op::OpKind;
use super::{coop, in_test, with_executor};
use coyote_core::strategy::Access;
use pin_project_lite::pin_project;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The identity of a shared object for an [`Access`]: its address, unique among live objects.
#[inline]
pub(crate) fn object_id<T: ?Sized>(object: &T) -> u64 {
    object as *const T as *const () as usize as u64
}

/// A write access to `object`.
#[inline]
pub(crate) fn writes<T: ?Sized>(object: &T) -> Access {
    Access {
        object: object_id(object),
        write: true,
    }
}

/// A read access to `object`.
#[inline]
pub(crate) fn reads<T: ?Sized>(object: &T) -> Access {
    Access {
        object: object_id(object),
        write: false,
    }
}

/// A scheduling point with no primitive behind it (`yield_now`, a sleep, the start of a join).
#[must_use = "futures do nothing unless awaited"]
pub(crate) struct YieldPoint {
    kind: OpKind,
    loc: &'static Location<'static>,
    access: Access,
    yielded: bool,
}

impl YieldPoint {
    /// A point that touches no shared object.
    pub(crate) fn new(kind: OpKind, loc: &'static Location<'static>) -> Self {
        Self::with_access(kind, loc, Access::NONE)
    }

    /// A point before the caller's own `access` (`task::yield_read` / `yield_write`).
    pub(crate) fn with_access(
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
    ) -> Self {
        YieldPoint {
            kind,
            loc,
            access,
            yielded: false,
        }
    }
}

/// The scheduling point before an operation, in the operation's first poll: whether the poll
/// returns `Pending` there (another task runs first). False when the strategy lets the task go
/// on in this poll (the operation is performed now, `Ready` if it is ready, as in tokio), and
/// in production mode.
#[inline]
fn yield_here(
    kind: OpKind,
    loc: &'static Location<'static>,
    access: Access,
    cx: &Context<'_>,
) -> bool {
    with_executor(|ex| !ex.point_in_poll(kind, loc, access, cx.waker())).unwrap_or(false)
}

impl Future for YieldPoint {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        if yield_here(self.kind, self.loc, self.access, cx) {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

pin_project! {
    /// A primitive's future made into a controlled operation: a scheduling point, then the
    /// primitive; while the primitive is pending, the task is blocked on `kind` at `loc`.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Controlled<F> {
        #[pin]
        inner: F,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
        yielded: bool,
        // It blocked once (its next Ready is after a wake).
        waited: bool,
    }
}

impl<F> Controlled<F> {
    pub(crate) fn new(
        inner: F,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
    ) -> Self {
        Controlled {
            inner,
            kind,
            loc,
            access,
            yielded: false,
            waited: false,
        }
    }

    /// As [`Controlled::new`], without the scheduling point before the first poll: the task
    /// blocks at once if `inner` is pending (its resumption is the point), and goes on if it
    /// is ready (the caller made a point already).
    pub(crate) fn blocking(
        inner: F,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
    ) -> Self {
        Controlled {
            yielded: true,
            ..Controlled::new(inner, kind, loc, access)
        }
    }

    /// The wrapped future (e.g. tokio's `Notified`, for `enable`).
    pub(crate) fn inner_pin(self: Pin<&mut Self>) -> Pin<&mut F> {
        self.project().inner
    }
}

impl<F: Future> Future for Controlled<F> {
    type Output = F::Output;

    // Inlined whole into the caller's state machine, so production pays one thread-local read
    // and the primitive's own poll, no call of its own (`bench/RESULTS.md`, the drop-in's cost).
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if !in_test() {
            return self.project().inner.poll(cx);
        }
        self.poll_controlled(cx)
    }
}

impl<F: Future> Controlled<F> {
    /// Test mode's poll: the scheduling point, then the primitive, blocking the task while it
    /// is not ready.
    #[inline]
    fn poll_controlled(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if !*this.yielded {
            *this.yielded = true;
            if yield_here(*this.kind, this.loc, *this.access, cx) {
                return Poll::Pending;
            }
        }
        // The harness's own use of tokio takes none of the task's budget (see `coop`).
        match coop::poll_unbudgeted(this.inner, cx) {
            Poll::Ready(v) => {
                let (kind, access, woke) = (*this.kind, *this.access, *this.waited);
                with_executor(|ex| ex.outcome(kind, access, false, woke));
                Poll::Ready(v)
            }
            Poll::Pending => {
                let (kind, access, first) = (*this.kind, *this.access, !*this.waited);
                *this.waited = true;
                with_executor(|ex| {
                    ex.blocked_on(kind, this.loc, access);
                    if first {
                        ex.outcome(kind, access, true, false);
                    }
                });
                Poll::Pending
            }
        }
    }
}
