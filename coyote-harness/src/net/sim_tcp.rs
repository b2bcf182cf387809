//! Test mode's TCP streams: [`SimStream`], one side of a simulated connection (listening and
//! connecting are in `sim_listen`).
//!
//! Every connect, accept, read, write and shutdown is a scheduling point; a read or write that
//! could move two bytes or more may move fewer (a declared choice, recorded in the trace), unless
//! `sim::partial_io(false)` turned that off.
//!
//! Invariants: an object of another iteration (its `generation` is not the executor's) does
//! nothing and fails with [`stale`]; the scheduling point of a read (write) is made once per
//! completed operation: `read_point` (`write_point`) is set when the task yields before it and
//! cleared when it completes, so the poll that resumes a blocked operation is not a second point;
//! the world is never borrowed while a declared choice is asked (it may unwind).

use super::conn::{Conn, Io};
use super::world::{stale, with_world, World};
use crate::rt::{with_executor, ChoiceOf, OpKind};
use coyote_core::strategy::Access;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// High bits of the network's [`Access`] object ids (heap addresses never have them).
pub(super) const NET_OBJECT: u64 = 0x4e45_0000_0000_0000;

/// The access of an operation on direction `dir` of connection `conn` (both reads and writes
/// change the pipe).
pub(crate) fn pipe_access(conn: u32, dir: usize) -> Access {
    Access {
        object: NET_OBJECT | ((conn as u64) << 1) | dir as u64,
        write: true,
    }
}

/// The executor's generation and `now`, if one runs on this thread.
#[inline]
pub(crate) fn executor_now() -> Option<(u32, std::time::Duration)> {
    with_executor(|ex| (ex.generation(), ex.now()))
}

/// Makes the scheduling point before an operation unless `flag` says it was made; true if the
/// task yielded (the caller returns `Pending`). The point is decided in this poll (see
/// `executor::decide`): when the strategy lets the task go on, the operation is performed now,
/// so a read with bytes waiting or a write with room is `Ready` on its first poll, as in tokio.
#[inline]
pub(crate) fn point(
    flag: &AtomicBool,
    kind: OpKind,
    loc: &'static Location<'static>,
    access: Access,
    cx: &Context<'_>,
) -> bool {
    if flag.swap(true, Ordering::Relaxed) {
        return false;
    }
    with_executor(|ex| !ex.point_in_poll(kind, loc, access, cx.waker())).unwrap_or(false)
}

/// Blocks the running task on `kind`; with a `timer`, held data becomes deliverable then.
pub(crate) fn block(
    kind: OpKind,
    loc: &'static Location<'static>,
    access: Access,
    timer: Option<std::time::Duration>,
) {
    with_executor(|ex| {
        ex.blocked_on(kind, loc, access);
        if let Some(t) = timer {
            ex.register_timer(t, Some((kind, loc)));
        }
    });
}

/// How many of `n` movable bytes an operation at `loc` moves: all, or (a declared choice) fewer.
pub(crate) fn split(n: usize, partial: bool, loc: &'static Location<'static>) -> usize {
    if n < 2 || !partial {
        return n;
    }
    with_executor(|ex| {
        if ex.choose_int(2, loc, ChoiceOf::NetShort) == 0 {
            n
        } else if n == 2 {
            1
        } else {
            ex.choose_int((n - 1) as u64, loc, ChoiceOf::NetBytes) as usize + 1
        }
    })
    .unwrap_or(n)
}

/// One side of a simulated connection.
pub(crate) struct SimStream {
    pub(crate) conn: u32,
    pub(crate) side: usize,
    pub(crate) generation: u32,
    pub(crate) local: SocketAddr,
    pub(crate) peer: SocketAddr,
    /// Where the stream was made (connect or accept): what its reads and writes are logged at
    /// (tokio's `AsyncRead`/`AsyncWrite` cannot carry the caller's line).
    pub(crate) loc: &'static Location<'static>,
    read_point: AtomicBool,
    write_point: AtomicBool,
}

impl SimStream {
    pub(super) fn new(
        w: &World,
        conn: u32,
        side: usize,
        generation: u32,
        loc: &'static Location<'static>,
    ) -> SimStream {
        let c = &w.conns[conn as usize];
        SimStream {
            conn,
            side,
            generation,
            local: c.addrs[side],
            peer: c.addrs[1 - side],
            loc,
            read_point: AtomicBool::new(false),
            write_point: AtomicBool::new(false),
        }
    }

    /// A stream of no iteration (generation 0 is never an executor's): it does nothing.
    #[track_caller]
    pub(crate) fn detached() -> SimStream {
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
        SimStream {
            conn: 0,
            side: 0,
            generation: 0,
            local: addr,
            peer: addr,
            loc: Location::caller(),
            read_point: AtomicBool::new(false),
            write_point: AtomicBool::new(false),
        }
    }

    fn current(&self) -> Option<std::time::Duration> {
        executor_now().and_then(|(g, now)| (g == self.generation).then_some(now))
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let Some(_) = self.current() else {
            return Poll::Ready(Err(stale()));
        };
        let access = pipe_access(self.conn, 1 - self.side);
        if point(&self.read_point, OpKind::NetRead, self.loc, access, cx) {
            return Poll::Pending;
        }
        // Time may have moved at the scheduling point.
        let now = self.current().unwrap_or_default();
        let (id, side) = (self.conn as usize, self.side);
        let want = buf.remaining();
        // One borrow of the world when no choice is needed; two around a split's choice.
        let found = with_world(self.generation, |w| {
            let up = link_up(w, &w.conns[id]);
            let found = w.conns[id].poll_read(side, want.max(1), now, up, cx.waker());
            match found {
                Io::Ready(n) if want == 0 || n < 2 || !w.partial_io => {
                    let n = n.min(want);
                    let World { conns, wakes, .. } = w;
                    conns[id].take(side, n, buf.initialize_unfilled_to(n), wakes);
                    buf.advance(n);
                    Io::Done
                }
                found => found,
            }
        });
        let done = match found {
            Io::Ready(n) => {
                let k = split(n, true, self.loc);
                with_world(self.generation, |w| {
                    let World { conns, wakes, .. } = w;
                    conns[id].take(side, k, buf.initialize_unfilled_to(k), wakes);
                });
                buf.advance(k);
                Ok(())
            }
            Io::Done => Ok(()),
            Io::Err(e) => Err(e),
            Io::Wait(timer) => {
                block(OpKind::NetRead, self.loc, access, timer);
                return Poll::Pending;
            }
        };
        self.read_point.store(false, Ordering::Relaxed);
        Poll::Ready(done)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let Some(_) = self.current() else {
            return Poll::Ready(Err(stale()));
        };
        let access = pipe_access(self.conn, self.side);
        if point(&self.write_point, OpKind::NetWrite, self.loc, access, cx) {
            return Poll::Pending;
        }
        let now = self.current().unwrap_or_default();
        let (id, side) = (self.conn as usize, self.side);
        let len = buf.len();
        let found = with_world(self.generation, |w| {
            match w.conns[id].poll_write(side, len, cx.waker()) {
                Io::Ready(n) if n < 2 || !w.partial_io => {
                    push(w, id, side, &buf[..n], now);
                    Ok(n)
                }
                found => Err(found),
            }
        });
        let done = match found {
            _ if buf.is_empty() => Ok(0),
            Ok(n) => Ok(n),
            Err(Io::Ready(n)) => {
                let k = split(n, true, self.loc);
                with_world(self.generation, |w| push(w, id, side, &buf[..k], now));
                Ok(k)
            }
            Err(Io::Done) => Ok(buf.len()),
            Err(Io::Err(e)) => Err(e),
            Err(Io::Wait(_)) => {
                block(OpKind::NetWrite, self.loc, access, None);
                return Poll::Pending;
            }
        };
        self.write_point.store(false, Ordering::Relaxed);
        Poll::Ready(done)
    }

    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(_) = self.current() else {
            return Poll::Ready(Err(stale()));
        };
        let access = pipe_access(self.conn, self.side);
        if point(&self.write_point, OpKind::NetWrite, self.loc, access, cx) {
            return Poll::Pending;
        }
        self.write_point.store(false, Ordering::Relaxed);
        let (id, side) = (self.conn as usize, self.side);
        Poll::Ready(with_world(self.generation, |w| {
            let World { conns, wakes, .. } = w;
            if conns[id].is_reset() {
                return Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "transport endpoint is not connected (the connection was reset)",
                ));
            }
            conns[id].shutdown(side, wakes);
            Ok(())
        }))
    }

    /// Shuts down writing without a scheduling point (an owned write half dropped).
    pub(crate) fn shutdown_now(&self) {
        if self.current().is_some() {
            let (id, side) = (self.conn as usize, self.side);
            with_world(self.generation, |w| {
                let World { conns, wakes, .. } = w;
                conns[id].shutdown(side, wakes);
            });
        }
    }
}

impl Drop for SimStream {
    fn drop(&mut self) {
        if self.current().is_some() {
            let (id, side) = (self.conn as usize, self.side);
            with_world(self.generation, |w| {
                let World { conns, wakes, .. } = w;
                conns[id].close(side, wakes);
            });
        }
    }
}

/// Appends `bytes` written by `side` of connection `id` at `now`, held in flight when the link
/// is partitioned or delayed.
fn push(w: &mut World, id: usize, side: usize, bytes: &[u8], now: std::time::Duration) {
    let c = &w.conns[id];
    let (a, b) = (c.hosts[side], c.hosts[1 - side]);
    let delay = w.delay(a, b);
    let at = (w.partitioned(a, b) || !delay.is_zero()).then_some(now + delay);
    let World { conns, wakes, .. } = w;
    conns[id].push(side, bytes, at, wakes);
}

/// Whether connection `c`'s hosts can reach each other now.
fn link_up(w: &World, c: &Conn) -> bool {
    !w.partitioned(c.hosts[0], c.hosts[1])
}
