//! A single-producer, multi-consumer channel that keeps only the latest value; mirrors
//! `tokio::sync::watch` (configuration, shutdown signals, state published to many readers).
//!
//! The waiting operations are scheduling points: [`Receiver::changed`], [`Receiver::wait_for`]
//! and [`Sender::closed`]. Sending (`send`, `send_replace`, `send_modify`, ...) and borrowing
//! never wait and are not scheduling points: they run atomically with the code around them, as
//! `notify_one` and dropping a lock guard do. A receiver that checks `borrow()` in a loop must
//! await `changed()` (or another point) between checks, or no other task runs.
//!
//! All ends of one channel share an identity, so a race-aware strategy sees receivers waiting
//! on the same channel as touching the same object.
//!
//! ```
//! use coyote_harness::{sync::watch, task};
//! # coyote_harness::check(|| async {
//! let (tx, mut rx) = watch::channel("starting");
//! let reader = task::spawn(async move {
//!     rx.wait_for(|state| *state == "ready").await.is_ok()
//! });
//! tx.send("ready").unwrap();
//! assert!(reader.await.unwrap());
//! # }, coyote_harness::Config::new().iterations(20));
//! ```

use super::channel_access;
use crate::rt::{Controlled, OpKind};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
use tokio::sync::watch::error::{RecvError, SendError};
pub use tokio::sync::watch::{error, Ref};

const CHANGED: OpKind = OpKind::WatchChanged;
const WAIT_FOR: OpKind = OpKind::WatchWaitFor;
const CLOSED: OpKind = OpKind::WatchClosed;

/// A channel holding `init`; receivers see every later value sent, or at least the latest.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::watch::channel(init);
    // Every wait only reads the channel: it changes nothing another task can see.
    let channel = channel_access(false);
    (
        Sender { inner: tx, channel },
        Receiver { inner: rx, channel },
    )
}

/// Publishes values.
pub struct Sender<T> {
    inner: tokio::sync::watch::Sender<T>,
    channel: Access,
}

impl<T> Clone for Sender<T> {
    /// Another sender of the same channel (as tokio's `watch::Sender: Clone`); the channel is
    /// closed for receivers once every sender is gone.
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            channel: self.channel,
        }
    }
}

impl<T> Sender<T> {
    /// A sender of a new channel holding `init`, with no receiver yet (make them with
    /// [`Sender::subscribe`]); mirrors `tokio::sync::watch::Sender::new`.
    pub fn new(init: T) -> Self {
        Sender {
            inner: tokio::sync::watch::Sender::new(init),
            channel: channel_access(false),
        }
    }

    /// How many senders there are.
    pub fn sender_count(&self) -> usize {
        self.inner.sender_count()
    }

    /// Replaces the value and marks it changed for every receiver; gives the value back if no
    /// receiver is left. Not a scheduling point.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value)
    }

    /// Replaces the value (even with no receiver left) and returns the old one. Not a
    /// scheduling point.
    pub fn send_replace(&self, value: T) -> T {
        self.inner.send_replace(value)
    }

    /// Modifies the value in place and marks it changed. Not a scheduling point.
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.inner.send_modify(modify)
    }

    /// Modifies the value in place; marks it changed only if `modify` returns true (and returns
    /// that). Not a scheduling point.
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        self.inner.send_if_modified(modify)
    }

    /// The current value. Not a scheduling point; do not hold it across an `.await`.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.inner.borrow()
    }

    /// A new receiver, which sees the current value as already seen.
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

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Waits until every receiver is gone. A scheduling point.
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        Controlled::new(
            self.inner.closed(),
            CLOSED,
            Location::caller(),
            self.channel,
        )
    }
}

/// Observes values.
pub struct Receiver<T> {
    inner: tokio::sync::watch::Receiver<T>,
    channel: Access,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver {
            inner: self.inner.clone(),
            channel: self.channel,
        }
    }
}

impl<T> Receiver<T> {
    /// The latest value, without marking it seen. Not a scheduling point; do not hold it
    /// across an `.await`.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.inner.borrow()
    }

    /// The latest value, marking it seen. Not a scheduling point.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        self.inner.borrow_and_update()
    }

    /// Whether a value was sent since this receiver last marked one seen; an error once the
    /// sender is gone. Not a scheduling point.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        self.inner.has_changed()
    }

    /// Marks the current value unseen.
    pub fn mark_changed(&mut self) {
        self.inner.mark_changed()
    }

    /// Marks the current value seen.
    pub fn mark_unchanged(&mut self) {
        self.inner.mark_unchanged()
    }

    /// Waits for a value not yet seen and marks it seen; an error once the sender is gone and
    /// every value was seen. A scheduling point.
    #[track_caller]
    pub fn changed(&mut self) -> impl Future<Output = Result<(), RecvError>> + '_ {
        Controlled::new(
            self.inner.changed(),
            CHANGED,
            Location::caller(),
            self.channel,
        )
    }

    /// Waits until the value satisfies `predicate` (checking the current one first) and returns
    /// it, marked seen; an error once the sender is gone. A scheduling point.
    #[track_caller]
    pub fn wait_for<'a, F: FnMut(&T) -> bool + 'a>(
        &'a mut self,
        predicate: F,
    ) -> impl Future<Output = Result<Ref<'a, T>, RecvError>> + 'a {
        Controlled::new(
            self.inner.wait_for(predicate),
            WAIT_FOR,
            Location::caller(),
            self.channel,
        )
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

short_debug!(Sender => "watch::Sender { .. }", Receiver => "watch::Receiver { .. }");
