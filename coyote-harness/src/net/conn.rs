//! A simulated TCP connection: two one-way byte pipes, one per direction, with TCP's ordering,
//! end of stream, resets and flow control.
//!
//! Side 0 is the connecting side, side 1 the accepting side; `pipes[s]` carries what side `s`
//! writes to side `1 - s`.
//!
//! Invariants:
//! * bytes are delivered in the order written: a write goes to the reader's buffer directly only
//!   when nothing is held in flight before it (by a delay or a partition);
//! * a pipe holds at most [`CAPACITY`] bytes (buffered and in flight): a writer beyond it waits
//!   for the reader, as a full socket buffer makes it;
//! * once reset, every read and write of either side fails with `ConnectionReset`.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::task::Waker;
use std::time::Duration;

/// What one direction of a connection buffers before a writer waits (a socket buffer).
pub(crate) const CAPACITY: usize = 64 * 1024;

#[derive(Default)]
pub(crate) struct Pipe {
    /// Delivered, readable bytes.
    buf: VecDeque<u8>,
    /// Written but not delivered yet: `(deliverable at, bytes)`, in order.
    in_flight: VecDeque<(Duration, Vec<u8>)>,
    held: usize,
    /// The writer shut down its side (or closed): the reader sees end of stream after `buf`.
    fin: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

pub(crate) struct Conn {
    /// The hosts of side 0 and side 1.
    pub(crate) hosts: [u32; 2],
    /// The addresses of side 0 and side 1.
    pub(crate) addrs: [SocketAddr; 2],
    pipes: [Pipe; 2],
    /// A side was dropped (closed).
    closed: [bool; 2],
    /// A side wrote after its peer closed: its next writes fail (the peer answered with RST).
    broken: [bool; 2],
    reset: bool,
}

/// What a read or write found.
pub(crate) enum Io {
    /// `n` bytes can move now (a read: available; a write: room).
    Ready(usize),
    /// End of stream (a read), or the bytes are silently dropped (a write to a closed peer).
    Done,
    /// Nothing can move yet; if `Some`, held data becomes deliverable then (virtual time).
    Wait(Option<Duration>),
    Err(io::Error),
}

fn reset_error() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "connection reset by peer")
}

impl Conn {
    pub(crate) fn new(hosts: [u32; 2], addrs: [SocketAddr; 2]) -> Conn {
        Conn {
            hosts,
            addrs,
            pipes: Default::default(),
            closed: [false; 2],
            broken: [false; 2],
            reset: false,
        }
    }

    /// Whether the connection runs between hosts `a` and `b` (either way) and is live.
    pub(crate) fn links(&self, a: u32, b: u32) -> bool {
        let live = !self.reset && !self.closed.iter().all(|c| *c);
        live && ((self.hosts == [a, b]) || (self.hosts == [b, a]))
    }

    pub(crate) fn wake_all(&mut self, wakes: &mut Vec<Waker>) {
        for p in &mut self.pipes {
            wakes.extend(p.reader.take());
            wakes.extend(p.writer.take());
        }
    }

    /// Resets the connection: both sides' operations fail from now on.
    pub(crate) fn reset(&mut self, wakes: &mut Vec<Waker>) {
        if !(self.closed[0] && self.closed[1]) {
            self.reset = true;
        }
        self.wake_all(wakes);
    }

    pub(crate) fn is_reset(&self) -> bool {
        self.reset
    }

    /// Moves held bytes written to `side` that are deliverable at `now` into its buffer (none
    /// while `link_up` is false); returns when the next held chunk becomes deliverable.
    fn deliver(&mut self, side: usize, now: Duration, link_up: bool) -> Option<Duration> {
        let pipe = &mut self.pipes[1 - side];
        if !link_up {
            return None;
        }
        while let Some((at, _)) = pipe.in_flight.front() {
            if *at > now {
                return Some(*at);
            }
            let (_, bytes) = pipe.in_flight.pop_front().expect("front");
            pipe.held -= bytes.len();
            pipe.buf.extend(bytes);
        }
        None
    }

    /// What a read of up to `want` bytes by `side` finds at `now`; registers `waker` if it waits.
    pub(crate) fn poll_read(
        &mut self,
        side: usize,
        want: usize,
        now: Duration,
        link_up: bool,
        waker: &Waker,
    ) -> Io {
        if self.reset {
            return Io::Err(reset_error());
        }
        let next = self.deliver(side, now, link_up);
        let pipe = &mut self.pipes[1 - side];
        if !pipe.buf.is_empty() {
            return Io::Ready(pipe.buf.len().min(want));
        }
        if pipe.fin && pipe.in_flight.is_empty() {
            return Io::Done;
        }
        pipe.reader = Some(waker.clone());
        Io::Wait(next)
    }

    /// Takes `n` readable bytes into `out` (after [`Conn::poll_read`] said `Ready(m)`, `n <= m`).
    pub(crate) fn take(&mut self, side: usize, n: usize, out: &mut [u8], wakes: &mut Vec<Waker>) {
        let pipe = &mut self.pipes[1 - side];
        let (a, b) = pipe.buf.as_slices();
        let from_a = n.min(a.len());
        out[..from_a].copy_from_slice(&a[..from_a]);
        out[from_a..n].copy_from_slice(&b[..n - from_a]);
        pipe.buf.drain(..n);
        wakes.extend(pipe.writer.take());
    }

    /// What a write of up to `len` bytes by `side` finds; registers `waker` if it waits.
    pub(crate) fn poll_write(&mut self, side: usize, len: usize, waker: &Waker) -> Io {
        if self.reset {
            return Io::Err(reset_error());
        }
        let pipe = &self.pipes[side];
        if pipe.fin {
            return Io::Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "broken pipe: the stream was shut down for writing",
            ));
        }
        if self.closed[1 - side] {
            if self.broken[side] {
                return Io::Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "broken pipe: the peer closed the connection",
                ));
            }
            // As on a real socket, the first write after the peer closed succeeds (the peer
            // answers it with a reset); the next ones fail.
            self.broken[side] = true;
            return Io::Done;
        }
        let used = pipe.buf.len() + pipe.held;
        if used >= CAPACITY {
            self.pipes[side].writer = Some(waker.clone());
            return Io::Wait(None);
        }
        Io::Ready(len.min(CAPACITY - used))
    }

    /// Appends `bytes` written by `side`, deliverable at `at` (`None`: now, if nothing is held
    /// before them).
    pub(crate) fn push(
        &mut self,
        side: usize,
        bytes: &[u8],
        at: Option<Duration>,
        wakes: &mut Vec<Waker>,
    ) {
        let pipe = &mut self.pipes[side];
        match at {
            None if pipe.in_flight.is_empty() => pipe.buf.extend(bytes),
            at => {
                let last = pipe.in_flight.back().map_or(Duration::ZERO, |(t, _)| *t);
                let at = at.unwrap_or(Duration::ZERO).max(last);
                pipe.held += bytes.len();
                pipe.in_flight.push_back((at, bytes.to_vec()));
            }
        }
        wakes.extend(pipe.reader.take());
    }

    /// `side` shuts down writing: its peer reads end of stream after what was written.
    pub(crate) fn shutdown(&mut self, side: usize, wakes: &mut Vec<Waker>) {
        let pipe = &mut self.pipes[side];
        pipe.fin = true;
        wakes.extend(pipe.reader.take());
    }

    /// `side` was dropped.
    pub(crate) fn close(&mut self, side: usize, wakes: &mut Vec<Waker>) {
        self.closed[side] = true;
        self.shutdown(side, wakes);
        let peer_out = &mut self.pipes[1 - side];
        wakes.extend(peer_out.writer.take());
        // What the peer sent and this side never read is gone with it.
        peer_out.buf.clear();
        peer_out.in_flight.clear();
        peer_out.held = 0;
    }
}
