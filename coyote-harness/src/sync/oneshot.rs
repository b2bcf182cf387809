//! One-shot channels; mirrors `tokio::sync::oneshot`. Awaiting the receiver, and the sender's
//! `closed`, are scheduling points; sending never waits and is not one.

use crate::rt::{Controlled, OpKind};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
pub use tokio::sync::oneshot::error;
use tokio::sync::oneshot::error::{RecvError, TryRecvError};

const RECV: OpKind = OpKind::OneshotRecv;

/// A channel for one value. The receiver's scheduling points are attributed to this call site.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    (
        Sender { inner: tx },
        Receiver {
            // Only the receiver waits on the channel: no other task can race with it there.
            inner: Controlled::new(rx, RECV, Location::caller(), Access::NONE),
        },
    )
}

/// Sends the value.
pub struct Sender<T> {
    inner: tokio::sync::oneshot::Sender<T>,
}

impl<T> Sender<T> {
    /// Sends the value; gives it back if the receiver is gone. Not a scheduling point.
    pub fn send(self, value: T) -> Result<(), T> {
        self.inner.send(value)
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Waits until the receiver is gone (dropped or closed): the requester no longer wants the
    /// answer. A scheduling point.
    #[track_caller]
    pub fn closed(&mut self) -> impl Future<Output = ()> + '_ {
        Controlled::new(
            self.inner.closed(),
            OpKind::OneshotClosed,
            Location::caller(),
            Access::NONE,
        )
    }
}

/// Receives the value: await it.
pub struct Receiver<T> {
    inner: Controlled<tokio::sync::oneshot::Receiver<T>>,
}

impl<T> Receiver<T> {
    /// The value if it was sent. Not a scheduling point.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        Pin::new(&mut self.inner).inner_pin().get_mut().try_recv()
    }

    /// Refuses the value: the sender's `send` will fail.
    pub fn close(&mut self) {
        Pin::new(&mut self.inner).inner_pin().get_mut().close()
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

short_debug!(Sender => "oneshot::Sender { .. }", Receiver => "oneshot::Receiver { .. }");
