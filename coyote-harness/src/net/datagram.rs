//! A simulated UDP socket's state: its bound address, its optional connected peer and its queue
//! of received datagrams.
//!
//! Invariants: a datagram is delivered whole or not at all (sent to no socket, across a
//! partition, to a down host, or to a closed socket it is lost, silently, as UDP does); a
//! datagram held by a link delay becomes receivable at its time; a connected socket receives
//! only from its peer.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::task::Waker;
use std::time::Duration;

/// At most this many datagrams wait in a socket's queue; more are dropped (a full buffer).
pub(crate) const QUEUE: usize = 1024;

pub(crate) struct Datagram {
    pub(crate) from: SocketAddr,
    pub(crate) at: Duration,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) struct Socket {
    pub(crate) host: u32,
    pub(crate) addr: SocketAddr,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) queue: VecDeque<Datagram>,
    pub(crate) waker: Option<Waker>,
    pub(crate) open: bool,
}

impl Socket {
    pub(crate) fn new(host: u32, addr: SocketAddr) -> Socket {
        Socket {
            host,
            addr,
            peer: None,
            queue: VecDeque::new(),
            waker: None,
            open: true,
        }
    }

    /// Queues `d` unless the socket is closed, full, or connected to another peer; returns the
    /// waker to wake.
    pub(crate) fn deliver(&mut self, d: Datagram) -> Option<Waker> {
        if !self.open || self.queue.len() >= QUEUE || self.peer.is_some_and(|p| p != d.from) {
            return None;
        }
        // Held datagrams of a delayed link arrive in time order.
        let i = self.queue.partition_point(|q| q.at <= d.at);
        self.queue.insert(i, d);
        self.waker.take()
    }

    /// The first datagram receivable at `now`, or when the next one is.
    pub(crate) fn take(&mut self, now: Duration) -> Result<Datagram, Option<Duration>> {
        match self.queue.front() {
            Some(d) if d.at <= now => Ok(self.queue.pop_front().expect("front")),
            Some(d) => Err(Some(d.at)),
            None => Err(None),
        }
    }
}
