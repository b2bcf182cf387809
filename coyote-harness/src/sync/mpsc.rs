//! Multi-producer, single-consumer channels; mirrors `tokio::sync::mpsc`.
//!
//! `recv` and `recv_many` are scheduling points; so are `send` and `reserve` on a bounded channel
//! (they may wait for room), and a sender's `closed` (it waits for the receiver to go).
//! `UnboundedSender::send`, `Permit::send` and the `try_` forms never wait and are not
//! scheduling points.
//!
//! A bounded channel's two ends share an id, so a race-aware strategy sees a `send` and a `recv`
//! waiting on the same channel as racing writes of it.

use super::channel_access;
use crate::rt::{Controlled, OpKind};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
pub use tokio::sync::mpsc::error;
use tokio::sync::mpsc::error::{SendError, TryRecvError, TrySendError};
pub use tokio::sync::mpsc::Permit;

/// A bounded channel with room for `buffer` messages.
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::mpsc::channel(buffer);
    let channel = channel_access(true);
    (
        Sender { inner: tx, channel },
        Receiver { inner: rx, channel },
    )
}

/// An unbounded channel.
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (
        UnboundedSender { inner: tx },
        UnboundedReceiver { inner: rx },
    )
}

/// Sends on a bounded channel.
pub struct Sender<T> {
    inner: tokio::sync::mpsc::Sender<T>,
    channel: Access,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            channel: self.channel,
        }
    }
}

impl<T> Sender<T> {
    /// Sends, waiting for room. A scheduling point.
    #[track_caller]
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + '_
    where
        T: 'static,
    {
        Controlled::new(
            self.inner.send(value),
            OpKind::MpscSend,
            Location::caller(),
            self.channel,
        )
    }

    /// Reserves a slot, waiting for room; the [`Permit`] then sends without waiting (and gives
    /// the slot back if dropped unused). A scheduling point, named `mpsc.send`.
    #[track_caller]
    pub fn reserve(&self) -> impl Future<Output = Result<Permit<'_, T>, SendError<()>>> + '_ {
        Controlled::new(
            self.inner.reserve(),
            OpKind::MpscSend,
            Location::caller(),
            self.channel,
        )
    }

    /// Sends if there is room now. Not a scheduling point.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(value)
    }

    /// Waits until the receiver is gone (dropped or closed). A scheduling point.
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        Controlled::new(
            self.inner.closed(),
            OpKind::MpscClosed,
            Location::caller(),
            self.channel,
        )
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Free slots now.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// The channel's size, as created.
    pub fn max_capacity(&self) -> usize {
        self.inner.max_capacity()
    }

    /// A sender that does not keep the channel open; mirrors `tokio`'s `Sender::downgrade`.
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            inner: self.inner.downgrade(),
            channel: self.channel,
        }
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }

    /// Whether both senders send on the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

/// A bounded channel's sender that does not keep it open: the receiver sees the channel closed
/// once every [`Sender`] is gone, weak ones or not; mirrors `tokio::sync::mpsc::WeakSender`.
pub struct WeakSender<T> {
    inner: tokio::sync::mpsc::WeakSender<T>,
    channel: Access,
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            inner: self.inner.clone(),
            channel: self.channel,
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`] again, if a sender is still alive. Not a scheduling point.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.inner.upgrade().map(|inner| Sender {
            inner,
            channel: self.channel,
        })
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

/// Receives from a bounded channel.
pub struct Receiver<T> {
    inner: tokio::sync::mpsc::Receiver<T>,
    channel: Access,
}

impl<T> Receiver<T> {
    /// The next message, or `None` once every sender is gone. A scheduling point.
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        Controlled::new(
            self.inner.recv(),
            OpKind::MpscRecv,
            Location::caller(),
            self.channel,
        )
    }

    /// Waits for at least one message, then moves up to `limit` into `buffer`; returns how
    /// many (0 once every sender is gone, or if `limit` is 0). A scheduling point, named
    /// `mpsc.recv`.
    #[track_caller]
    pub fn recv_many<'a>(
        &'a mut self,
        buffer: &'a mut Vec<T>,
        limit: usize,
    ) -> impl Future<Output = usize> + 'a {
        Controlled::new(
            self.inner.recv_many(buffer, limit),
            OpKind::MpscRecv,
            Location::caller(),
            self.channel,
        )
    }

    /// The next message if one is there. Not a scheduling point.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Closes the channel to new messages.
    pub fn close(&mut self) {
        self.inner.close()
    }

    /// Messages waiting now.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no message is waiting now.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// Sends on an unbounded channel.
pub struct UnboundedSender<T> {
    inner: tokio::sync::mpsc::UnboundedSender<T>,
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> UnboundedSender<T> {
    /// Sends without waiting. Not a scheduling point.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value)
    }

    /// Waits until the receiver is gone (dropped or closed). A scheduling point.
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        // Only senders wait for this; nothing else waiting on the channel races with it.
        Controlled::new(
            self.inner.closed(),
            OpKind::MpscClosed,
            Location::caller(),
            Access::NONE,
        )
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// A sender that does not keep the channel open; mirrors `tokio`'s
    /// `UnboundedSender::downgrade`.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            inner: self.inner.downgrade(),
        }
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }

    /// Whether both senders send on the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

/// An unbounded channel's sender that does not keep it open; mirrors
/// `tokio::sync::mpsc::WeakUnboundedSender`.
pub struct WeakUnboundedSender<T> {
    inner: tokio::sync::mpsc::WeakUnboundedSender<T>,
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`] again, if a sender is still alive. Not a scheduling point.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.inner.upgrade().map(|inner| UnboundedSender { inner })
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }
}

/// Receives from an unbounded channel.
pub struct UnboundedReceiver<T> {
    inner: tokio::sync::mpsc::UnboundedReceiver<T>,
}

impl<T> UnboundedReceiver<T> {
    /// The next message, or `None` once every sender is gone. A scheduling point.
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        // Sending never waits, so no other task waits on this channel to race with.
        Controlled::new(
            self.inner.recv(),
            OpKind::MpscRecv,
            Location::caller(),
            Access::NONE,
        )
    }

    /// Waits for at least one message, then moves up to `limit` into `buffer`; returns how
    /// many (0 once every sender is gone, or if `limit` is 0). A scheduling point.
    #[track_caller]
    pub fn recv_many<'a>(
        &'a mut self,
        buffer: &'a mut Vec<T>,
        limit: usize,
    ) -> impl Future<Output = usize> + 'a {
        Controlled::new(
            self.inner.recv_many(buffer, limit),
            OpKind::MpscRecv,
            Location::caller(),
            Access::NONE,
        )
    }

    /// The next message if one is there. Not a scheduling point.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Closes the channel to new messages.
    pub fn close(&mut self) {
        self.inner.close()
    }

    /// Messages waiting now.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no message is waiting now.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

short_debug!(Sender => "mpsc::Sender { .. }", WeakSender => "mpsc::WeakSender { .. }", Receiver => "mpsc::Receiver { .. }", UnboundedSender => "mpsc::UnboundedSender { .. }", WeakUnboundedSender => "mpsc::WeakUnboundedSender { .. }", UnboundedReceiver => "mpsc::UnboundedReceiver { .. }");
