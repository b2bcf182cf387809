//! Multi-producer, multi-consumer channels where every receiver sees every message; mirrors
//! `tokio::sync::broadcast`, lagging included: a receiver more than `capacity` messages behind
//! loses the oldest and gets [`error::RecvError::Lagged`] once.
//!
//! [`Receiver::recv`] is a scheduling point; sending never waits and is not one (it runs
//! atomically with the code around it). All ends of one channel share an identity, so a
//! race-aware strategy sees receivers waiting on the same channel as touching the same object.
//!
//! ```
//! use coyote_harness::{sync::broadcast, task};
//! # coyote_harness::check(|| async {
//! let (tx, mut a) = broadcast::channel(4);
//! let mut b = tx.subscribe();
//! let reader = task::spawn(async move { b.recv().await.unwrap() });
//! tx.send("hello").unwrap();
//! assert_eq!(a.recv().await.unwrap(), "hello");
//! assert_eq!(reader.await.unwrap(), "hello");
//! # }, coyote_harness::Config::new().iterations(20));
//! ```

use super::channel_access;
use crate::rt::{Controlled, OpKind};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
pub use tokio::sync::broadcast::error;
use tokio::sync::broadcast::error::{RecvError, SendError, TryRecvError};

/// A channel whose receivers each keep up to `capacity` messages they have not received yet.
/// Panics if `capacity` is 0, as tokio's does.
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::broadcast::channel(capacity);
    // Receivers do not take messages from each other: each only reads the channel.
    let channel = channel_access(false);
    (
        Sender { inner: tx, channel },
        Receiver { inner: rx, channel },
    )
}

/// Sends to every receiver.
pub struct Sender<T> {
    inner: tokio::sync::broadcast::Sender<T>,
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
    /// Sends to every receiver there is now and returns how many; gives the value back when
    /// there is none. Not a scheduling point.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        self.inner.send(value)
    }

    /// A new receiver, which gets the messages sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.inner.subscribe(),
            channel: self.channel,
        }
    }

    /// How many receivers there are.
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }

    /// How many messages the slowest receiver has not received.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether every receiver has received every message.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// Receives every message sent after it subscribed.
pub struct Receiver<T> {
    inner: tokio::sync::broadcast::Receiver<T>,
    channel: Access,
}

impl<T: Clone> Receiver<T> {
    /// The next message; `Lagged(n)` if `n` were lost to the capacity, `Closed` once every
    /// sender is gone and nothing is left. A scheduling point.
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Result<T, RecvError>> + '_ {
        Controlled::new(
            self.inner.recv(),
            OpKind::BroadcastRecv,
            Location::caller(),
            self.channel,
        )
    }

    /// The next message if one is there. Not a scheduling point.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// A new receiver that gets the messages sent from now on.
    pub fn resubscribe(&self) -> Self {
        Receiver {
            inner: self.inner.resubscribe(),
            channel: self.channel,
        }
    }
}

impl<T> Receiver<T> {
    /// How many messages this receiver has not received yet.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether this receiver has received every message.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

short_debug!(Sender => "broadcast::Sender { .. }", Receiver => "broadcast::Receiver { .. }");
