//! `Notify` over tokio's.

use crate::rt::{writes, Controlled, OpKind};
use pin_project_lite::pin_project;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
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

    /// Waits for a notification. A scheduling point.
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            inner: Controlled::new(
                self.inner.notified(),
                OpKind::NotifyNotified,
                Location::caller(),
                writes(self),
            ),
        }
    }

    /// Wakes one waiting task, or stores a permit for the next `notified` if none waits.
    pub fn notify_one(&self) {
        self.inner.notify_one()
    }

    /// Wakes every task waiting now; stores no permit.
    pub fn notify_waiters(&self) {
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
