//! `Notify` over tokio's.

use crate::rt::coro::point_on_coroutine;
use crate::rt::{writes, Controlled, OpKind};
use pin_project_lite::pin_project;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Notifies one task or all waiting tasks; mirrors `tokio::sync::Notify`, including the stored
/// permit of `notify_one` when nobody waits.
#[derive(Debug, Default)]
pub struct Notify {
    inner: tokio::sync::Notify,
}

impl Notify {
    /// A new `Notify` with no stored permit.
    pub fn new() -> Self {
        Notify::default()
    }

    /// A new `Notify`, in a `const` context (a `static`); mirrors
    /// `tokio::sync::Notify::const_new`. A static keeps a stored permit from one test
    /// iteration to the next: give each iteration its own where that matters.
    pub const fn const_new() -> Self {
        Notify {
            inner: tokio::sync::Notify::const_new(),
        }
    }

    /// [`Notify::notified`] for a `Notify` behind an `Arc`: the future holds a clone of it, so
    /// it is `'static` (it can move into a spawned task); mirrors `tokio`'s
    /// `Notify::notified_owned`. A scheduling point, named `notify.notified`.
    #[track_caller]
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        // SAFETY: the `Notify` lives in the `Arc`'s allocation, which `notify` keeps alive and
        // in place; `inner`, which borrows it, is declared first in `OwnedNotified`, so it is
        // dropped first, and the `'static` borrow is never handed out.
        let this: &'static Notify = unsafe { &*Arc::as_ptr(&self) };
        OwnedNotified {
            inner: this.notified_at(Location::caller()),
            _notify: self,
        }
    }

    fn notified_at(&self, loc: &'static Location<'static>) -> Notified<'_> {
        // Making the future reads the notify's state (a `notify_waiters` after it wakes it):
        // a point of its own where that can be preempted (see `rt::coro`).
        point_on_coroutine(OpKind::NotifyNotifiedMade, writes(self), loc);
        Notified {
            inner: Controlled::new(
                self.inner.notified(),
                OpKind::NotifyNotified,
                loc,
                writes(self),
            ),
        }
    }

    /// Wakes the task that started waiting last, or stores a permit if none waits; mirrors
    /// `tokio::sync::Notify::notify_last`. A scheduling point only where
    /// [`notify_one`](Self::notify_one) is.
    #[track_caller]
    pub fn notify_last(&self) {
        point_on_coroutine(OpKind::NotifyLast, writes(self), Location::caller());
        self.inner.notify_last()
    }

    /// Waits for a notification. A scheduling point.
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        self.notified_at(Location::caller())
    }

    /// Wakes one waiting task, or stores a permit for the next `notified` if none waits.
    ///
    /// Not a scheduling point, except in a test whose tasks run on coroutines (one that uses
    /// threads or atomics, see [`std::sync::atomic`](crate::std::sync::atomic)): there the
    /// notifying calls and the making of a `Notified` are points of their own, so the lost
    /// wake-up between an atomic flag and a `Notify` is explored.
    #[track_caller]
    pub fn notify_one(&self) {
        point_on_coroutine(OpKind::NotifyOne, writes(self), Location::caller());
        self.inner.notify_one()
    }

    /// Wakes every task waiting now; stores no permit. A scheduling point only where
    /// [`notify_one`](Self::notify_one) is.
    #[track_caller]
    pub fn notify_waiters(&self) {
        point_on_coroutine(OpKind::NotifyWaiters, writes(self), Location::caller());
        self.inner.notify_waiters()
    }
}

pin_project! {
    /// The future of [`Notify::notified`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Notified<'a> {
        #[pin]
        inner: Controlled<tokio::sync::futures::Notified<'a>>,
    }
}

impl Notified<'_> {
    /// Registers as a waiter without waiting (so a later `notify_waiters` is not missed);
    /// returns whether a notification was already received. As tokio's `Notified::enable`.
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.project().inner.inner_pin().enable()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

pin_project! {
    /// The future of [`Notify::notified_owned`]: a [`Notified`] that owns an `Arc` of its
    /// `Notify`.
    #[must_use = "futures do nothing unless awaited"]
    pub struct OwnedNotified {
        // Borrows from `*_notify`; declared first, so dropped first.
        #[pin]
        inner: Notified<'static>,
        _notify: Arc<Notify>,
    }
}

impl OwnedNotified {
    /// As [`Notified::enable`].
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.project().inner.enable()
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}
