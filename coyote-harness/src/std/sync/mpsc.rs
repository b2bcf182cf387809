//! `mpsc` mirroring `std::sync::mpsc`: [`channel`] (unbounded), [`sync_channel`] (bounded,
//! `0` a rendezvous), their senders and the [`Receiver`].
//!
//! A channel made in production is std's. One made in a test is controlled: every send and
//! receive is a scheduling point (`mpsc.send` / `mpsc.recv`, a write of the channel); a
//! receive blocks while the channel is empty and a sender lives; a bounded send blocks while
//! the channel is full, and a rendezvous send (capacity 0) until a receiver has taken its
//! message; the timed receive waits on virtual time. Dropping the last sender or the receiver
//! wakes the other side, which sees the disconnection as std's errors. Drops and clones are not
//! scheduling points.
//!
//! Invariants (controlled): `queue` holds messages in send order, each tagged with its send's
//! number; `taken` is the number of messages received, so a rendezvous sender of message `k`
//! is released once `taken > k`; `waiting_receivers` counts receivers blocked in `recv`
//! (a rendezvous `try_send` succeeds only then).

mod chan;

use crate::rt::in_test;
use chan::Chan;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

enum Tx<T> {
    Std(std::sync::mpsc::Sender<T>),
    Controlled(Arc<Chan<T>>),
}

enum SyncTx<T> {
    Std(std::sync::mpsc::SyncSender<T>),
    Controlled(Arc<Chan<T>>),
}

enum Rx<T> {
    Std(std::sync::mpsc::Receiver<T>),
    Controlled(Arc<Chan<T>>),
}

/// The sending half of a [`channel`]; mirrors `std::sync::mpsc::Sender`.
pub struct Sender<T>(Tx<T>);

/// The sending half of a [`sync_channel`]; mirrors `std::sync::mpsc::SyncSender`.
pub struct SyncSender<T>(SyncTx<T>);

/// The receiving half of a channel; mirrors `std::sync::mpsc::Receiver`.
pub struct Receiver<T>(Rx<T>);

/// An unbounded channel; mirrors `std::sync::mpsc::channel` (controlled when made in a test).
///
/// ```
/// use coyote_harness::std::{sync::mpsc, thread};
/// # coyote_harness::check(|| async {
/// let (tx, rx) = mpsc::channel();
/// thread::spawn(move || tx.send(1).unwrap());
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err()); // the sender is gone
/// # }, coyote_harness::Config::new().iterations(20));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    if in_test() {
        let c = Chan::new(None);
        (
            Sender(Tx::Controlled(c.clone())),
            Receiver(Rx::Controlled(c)),
        )
    } else {
        let (t, r) = std::sync::mpsc::channel();
        (Sender(Tx::Std(t)), Receiver(Rx::Std(r)))
    }
}

/// A channel of `bound` messages (`0`: each send waits for its receive); mirrors
/// `std::sync::mpsc::sync_channel`.
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    if in_test() {
        let c = Chan::new(Some(bound));
        (
            SyncSender(SyncTx::Controlled(c.clone())),
            Receiver(Rx::Controlled(c)),
        )
    } else {
        let (t, r) = std::sync::mpsc::sync_channel(bound);
        (SyncSender(SyncTx::Std(t)), Receiver(Rx::Std(r)))
    }
}

impl<T> Sender<T> {
    /// Sends `t`; `Err` gives it back if the receiver is gone. Never waits; a scheduling point
    /// in tests.
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        match &self.0 {
            Tx::Std(s) => s.send(t),
            Tx::Controlled(c) => c.send(t, Location::caller()),
        }
    }
}

impl<T> SyncSender<T> {
    /// Sends `t`, waiting while the channel is full (for a rendezvous channel, until it is
    /// received); `Err` if the receiver is gone. A scheduling point in tests.
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        match &self.0 {
            SyncTx::Std(s) => s.send(t),
            SyncTx::Controlled(c) => c.send(t, Location::caller()),
        }
    }

    /// Sends `t` if there is room now (for a rendezvous channel: a receiver waits). A
    /// scheduling point in tests, never a wait.
    #[track_caller]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        match &self.0 {
            SyncTx::Std(s) => s.try_send(t),
            SyncTx::Controlled(c) => c.try_send(t, Location::caller()),
        }
    }
}

impl<T> Receiver<T> {
    /// The next message, waiting for one; `Err` once the channel is empty and every sender is
    /// gone. A scheduling point in tests.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        match &self.0 {
            Rx::Std(r) => r.recv(),
            Rx::Controlled(c) => c.recv(None, Location::caller()).map_err(|_| RecvError),
        }
    }

    /// The next message if there is one now. A scheduling point in tests, never a wait.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match &self.0 {
            Rx::Std(r) => r.try_recv(),
            Rx::Controlled(c) => c.try_recv(Location::caller()),
        }
    }

    /// [`Receiver::recv`] for at most `timeout` (virtual time in tests: the deadline firing
    /// is the scheduler's choice).
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match &self.0 {
            Rx::Std(r) => r.recv_timeout(timeout),
            Rx::Controlled(c) => c.recv(Some(timeout), Location::caller()),
        }
    }

    /// The messages, waiting for each, until every sender is gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// The messages there are now, without waiting.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

/// The iterator of [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

/// The iterator of [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

/// The iterator of `Receiver::into_iter`.
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(match &self.0 {
            Tx::Std(s) => Tx::Std(s.clone()),
            Tx::Controlled(c) => {
                c.sender_cloned();
                Tx::Controlled(c.clone())
            }
        })
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> Self {
        SyncSender(match &self.0 {
            SyncTx::Std(s) => SyncTx::Std(s.clone()),
            SyncTx::Controlled(c) => {
                c.sender_cloned();
                SyncTx::Controlled(c.clone())
            }
        })
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Tx::Controlled(c) = &self.0 {
            c.sender_dropped();
        }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        if let SyncTx::Controlled(c) = &self.0 {
            c.sender_dropped();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Rx::Controlled(c) = &self.0 {
            c.receiver_dropped();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sender { .. }")
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncSender { .. }")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receiver { .. }")
    }
}
