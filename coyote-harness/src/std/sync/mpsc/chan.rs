//! The controlled channel behind a test's `mpsc` senders and receiver (see the parent module's
//! invariants): its state, and each operation as a scheduling point.

use super::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use crate::rt::coro::{block_on_current, sync_point};
use crate::rt::{Controlled, OpKind};
use crate::std::sync::wait::{block_until, Until, WaitList};
use coyote_core::strategy::Access;
use std::collections::VecDeque;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub(super) struct State<T> {
    queue: VecDeque<(u64, T)>,
    sent: u64,
    taken: u64,
    senders: usize,
    receiver: bool,
    waiting_receivers: usize,
}

pub(super) struct Chan<T> {
    /// `None`: unbounded.
    cap: Option<usize>,
    state: std::sync::Mutex<State<T>>,
    receivers: WaitList,
    senders: WaitList,
    id: Access,
}

impl<T> Chan<T> {
    pub(super) fn new(cap: Option<usize>) -> Arc<Self> {
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

    pub(super) fn st(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A blocking send (a scheduling point first).
    pub(super) fn send(
        &self,
        value: T,
        loc: &'static Location<'static>,
    ) -> Result<(), SendError<T>> {
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

    pub(super) fn try_send(
        &self,
        value: T,
        loc: &'static Location<'static>,
    ) -> Result<(), TrySendError<T>> {
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
    pub(super) fn attempt(&self) -> Option<Result<T, RecvError>> {
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

    pub(super) fn recv(
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

    pub(super) fn try_recv(&self, loc: &'static Location<'static>) -> Result<T, TryRecvError> {
        sync_point(OpKind::MpscRecv, self.id, loc);
        match self.attempt() {
            Some(Ok(v)) => Ok(v),
            Some(Err(RecvError)) => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    pub(super) fn sender_dropped(&self) {
        let last = {
            let mut st = self.st();
            st.senders -= 1;
            st.senders == 0
        };
        if last {
            self.receivers.wake_all();
        }
    }

    pub(super) fn sender_cloned(&self) {
        self.st().senders += 1;
    }

    pub(super) fn receiver_dropped(&self) {
        self.st().receiver = false;
        self.senders.wake_all();
    }
}
