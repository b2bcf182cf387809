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

use super::wait::{block_until, Until, WaitList};
use crate::rt::coro::{block_on_current, sync_point};
use crate::rt::{in_test, Controlled, OpKind};
use coyote_core::strategy::Access;
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

struct State<T> {
    queue: VecDeque<(u64, T)>,
    sent: u64,
    taken: u64,
    senders: usize,
    receiver: bool,
    waiting_receivers: usize,
}

struct Chan<T> {
    /// `None`: unbounded.
    cap: Option<usize>,
    state: std::sync::Mutex<State<T>>,
    receivers: WaitList,
    senders: WaitList,
    id: Access,
}

impl<T> Chan<T> {
    fn new(cap: Option<usize>) -> Arc<Self> {
        Arc::new(Chan {
            cap,
            state: std::sync::Mutex::new(State {
                queue: VecDeque::new(),
                sent: 0,
                taken: 0,
                senders: 1,
                receiver: true,
                waiting_receivers: 0,
            }),
            receivers: WaitList::new(),
            senders: WaitList::new(),
            id: crate::sync::channel_access(true),
        })
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A blocking send (a scheduling point first).
    fn send(&self, value: T, loc: &'static Location<'static>) -> Result<(), SendError<T>> {
        let mut value = Some(value);
        let mut ticket = None;
        block_until(OpKind::MpscSend, self.id, loc, &self.senders, || {
            let mut st = self.st();
            if let Some(k) = ticket {
                // A rendezvous message waits to be taken.
                if st.taken > k {
                    return Some(Ok(()));
                }
                if !st.receiver {
                    let i = st.queue.iter().position(|(n, _)| *n == k)?;
                    let (_, v) = st.queue.remove(i).expect("the queued message");
                    return Some(Err(SendError(v)));
                }
                return None;
            }
            if !st.receiver {
                return Some(Err(SendError(value.take().expect("unsent"))));
            }
            match self.cap {
                Some(cap) if cap > 0 && st.queue.len() >= cap => return None,
                _ => {}
            }
            let k = st.sent;
            st.sent += 1;
            st.queue.push_back((k, value.take().expect("unsent")));
            drop(st);
            self.receivers.wake_all();
            if self.cap == Some(0) {
                ticket = Some(k);
                return None;
            }
            Some(Ok(()))
        })
    }

    fn try_send(&self, value: T, loc: &'static Location<'static>) -> Result<(), TrySendError<T>> {
        sync_point(OpKind::MpscSend, self.id, loc);
        let mut st = self.st();
        if !st.receiver {
            return Err(TrySendError::Disconnected(value));
        }
        let full = match self.cap {
            None => false,
            Some(0) => st.waiting_receivers <= st.queue.len(),
            Some(cap) => st.queue.len() >= cap,
        };
        if full {
            return Err(TrySendError::Full(value));
        }
        let k = st.sent;
        st.sent += 1;
        st.queue.push_back((k, value));
        drop(st);
        self.receivers.wake_all();
        Ok(())
    }

    /// One attempt to receive: a message, a disconnection, or `None` (wait).
    fn attempt(&self) -> Option<Result<T, RecvError>> {
        let mut st = self.st();
        if let Some((_, v)) = st.queue.pop_front() {
            st.taken += 1;
            drop(st);
            self.senders.wake_all();
            return Some(Ok(v));
        }
        if st.senders == 0 {
            return Some(Err(RecvError));
        }
        None
    }

    fn recv(
        &self,
        timeout: Option<Duration>,
        loc: &'static Location<'static>,
    ) -> Result<T, RecvTimeoutError> {
        let mut waiting = false;
        let mut attempt = || {
            let r = self.attempt();
            let mut st = self.st();
            match (&r, waiting) {
                (None, false) => {
                    st.waiting_receivers += 1;
                    waiting = true;
                }
                (Some(_), true) => {
                    st.waiting_receivers -= 1;
                    waiting = false;
                }
                _ => {}
            }
            r
        };
        let r = match timeout {
            Some(_) if std::thread::panicking() => match attempt() {
                Some(r) => Ok(r),
                None => Err(()),
            },
            None => Ok(block_until(
                OpKind::MpscRecv,
                self.id,
                loc,
                &self.receivers,
                attempt,
            )),
            Some(d) => block_on_current(Controlled::new(
                crate::time::timeout(d, Until::new(&self.receivers, attempt)),
                OpKind::MpscRecv,
                loc,
                self.id,
            ))
            .map_err(|_| ()),
        };
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(RecvError)) => Err(RecvTimeoutError::Disconnected),
            Err(_) => {
                let mut st = self.st();
                st.waiting_receivers = st.waiting_receivers.saturating_sub(1);
                Err(RecvTimeoutError::Timeout)
            }
        }
    }

    fn try_recv(&self, loc: &'static Location<'static>) -> Result<T, TryRecvError> {
        sync_point(OpKind::MpscRecv, self.id, loc);
        match self.attempt() {
            Some(Ok(v)) => Ok(v),
            Some(Err(RecvError)) => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    fn sender_dropped(&self) {
        let last = {
            let mut st = self.st();
            st.senders -= 1;
            st.senders == 0
        };
        if last {
            self.receivers.wake_all();
        }
    }

    fn sender_cloned(&self) {
        self.st().senders += 1;
    }

    fn receiver_dropped(&self) {
        self.st().receiver = false;
        self.senders.wake_all();
    }
}

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
