//! Test mode's TCP: [`SimStream`] (one side of a simulated connection) and [`SimListener`].
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
use super::world::{stale, with_world, Proto, World};
use crate::rt::{with_executor, ChoiceOf, OpKind};
use coyote_core::strategy::Access;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// High bits of the network's [`Access`] object ids (heap addresses never have them).
const NET_OBJECT: u64 = 0x4e45_0000_0000_0000;

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
/// task yielded (the caller returns `Pending`).
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
    if with_executor(|ex| ex.at_scheduling_point(kind, loc, access)).is_some() {
        cx.waker().wake_by_ref();
        true
    } else {
        false
    }
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
    fn new(
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
        let (found, partial) = with_world(self.generation, |w| {
            let up = link_up(w, &w.conns[id]);
            (
                w.conns[id].poll_read(side, want.max(1), now, up, cx.waker()),
                w.partial_io,
            )
        });
        let done = match found {
            Io::Ready(_) if want == 0 => Ok(()),
            Io::Ready(n) => {
                let k = split(n, partial, self.loc);
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
        let (found, partial) = with_world(self.generation, |w| {
            (
                w.conns[id].poll_write(side, buf.len(), cx.waker()),
                w.partial_io,
            )
        });
        let done = match found {
            _ if buf.is_empty() => Ok(0),
            Io::Ready(n) => {
                let k = split(n, partial, self.loc);
                with_world(self.generation, |w| {
                    let c = &w.conns[id];
                    let (a, b) = (c.hosts[side], c.hosts[1 - side]);
                    let delay = w.delay(a, b);
                    let at = (w.partitioned(a, b) || !delay.is_zero()).then_some(now + delay);
                    let World { conns, wakes, .. } = w;
                    conns[id].push(side, &buf[..k], at, wakes);
                });
                Ok(k)
            }
            Io::Done => Ok(buf.len()),
            Io::Err(e) => Err(e),
            Io::Wait(_) => {
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

/// Whether connection `c`'s hosts can reach each other now.
fn link_up(w: &World, c: &Conn) -> bool {
    !w.partitioned(c.hosts[0], c.hosts[1])
}

/// A simulated listening socket.
pub(crate) struct SimListener {
    pub(crate) id: u32,
    pub(crate) generation: u32,
    pub(crate) addr: SocketAddr,
    loc: &'static Location<'static>,
}

impl SimListener {
    /// Binds the first of `addrs` that binds on the running task's host.
    pub(crate) fn bind(
        generation: u32,
        host: u32,
        addrs: Vec<SocketAddr>,
        loc: &'static Location<'static>,
    ) -> io::Result<SimListener> {
        let mut last = None;
        for addr in addrs {
            let bound = with_world(generation, |w| {
                let id = w.listeners.len() as u32;
                let addr = w.bind(host, Proto::Tcp, addr, id)?;
                w.listeners.push(super::world::Listener {
                    host,
                    addr,
                    backlog: Default::default(),
                    waker: None,
                    open: true,
                });
                Ok::<_, io::Error>((id, addr))
            });
            match bound {
                Ok((id, addr)) => {
                    return Ok(SimListener {
                        id,
                        generation,
                        addr,
                        loc,
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_addresses))
    }

    /// Polls for a pending connection (after the accept's scheduling point).
    pub(crate) fn poll_accept(
        &self,
        cx: &mut Context<'_>,
        loc: &'static Location<'static>,
    ) -> Poll<io::Result<(SimStream, SocketAddr)>> {
        let id = self.id as usize;
        let generation = self.generation;
        let got = with_world(generation, |w| {
            let l = &mut w.listeners[id];
            if !l.open {
                return Some(Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the listener's host crashed",
                )));
            }
            match l.backlog.pop_front() {
                Some(conn) => {
                    let s = SimStream::new(w, conn, 1, generation, loc);
                    let peer = s.peer;
                    Some(Ok((s, peer)))
                }
                None => {
                    l.waker = Some(cx.waker().clone());
                    None
                }
            }
        });
        match got {
            Some(r) => Poll::Ready(r),
            None => {
                block(OpKind::NetAccept, self.loc, listener_access(self.id), None);
                Poll::Pending
            }
        }
    }
}

pub(crate) fn listener_access(id: u32) -> Access {
    Access {
        object: NET_OBJECT | (1 << 40) | id as u64,
        write: true,
    }
}

impl Drop for SimListener {
    fn drop(&mut self) {
        if executor_now().is_some_and(|(g, _)| g == self.generation) {
            let id = self.id as usize;
            with_world(self.generation, |w| {
                let l = &mut w.listeners[id];
                if !l.open {
                    return;
                }
                l.open = false;
                let (host, port) = (l.host, l.addr.port());
                let backlog: Vec<u32> = l.backlog.drain(..).collect();
                w.unbind(host, Proto::Tcp, port);
                let World { conns, wakes, .. } = w;
                for c in backlog {
                    conns[c as usize].reset(wakes);
                }
            });
        }
    }
}

pub(crate) fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address",
    )
}

fn timed_out(why: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("connection timed out: {why}"),
    )
}

/// Connects from host `from` to `addr`: the connection waits in the listener's backlog.
fn connect_in(w: &mut World, from: u32, addr: SocketAddr) -> io::Result<u32> {
    let ip = addr.ip();
    let to = w
        .host_at(from, ip)
        .ok_or_else(|| timed_out(format!("no simulated host has address {ip}")))?;
    if !w.reachable(from, to) {
        let name = &w.hosts[to as usize].name;
        return Err(timed_out(format!(
            "host {name} is unreachable (down or partitioned)"
        )));
    }
    let refused = || io::Error::new(io::ErrorKind::ConnectionRefused, "connection refused");
    let lid = w.bound(to, Proto::Tcp, addr.port()).ok_or_else(refused)?;
    let l = &w.listeners[lid as usize];
    if l.addr.ip().is_loopback() && from != to {
        return Err(refused());
    }
    let loopback = ip.is_loopback() || ip.is_unspecified();
    let local_ip = if loopback {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        IpAddr::V4(World::ip_of(from))
    };
    let peer_ip = if ip.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        ip
    };
    let port = w.ephemeral(from, Proto::Tcp);
    let conn = w.conns.len() as u32;
    w.conns.push(Conn::new(
        [from, to],
        [
            SocketAddr::new(local_ip, port),
            SocketAddr::new(peer_ip, addr.port()),
        ],
    ));
    let l = &mut w.listeners[lid as usize];
    l.backlog.push_back(conn);
    w.wakes.extend(l.waker.take());
    w.wakes.append(&mut w.conn_waiters);
    Ok(conn)
}

/// Connects the running task (on host `from`) to the first of `addrs` that accepts.
pub(crate) fn connect(
    generation: u32,
    from: u32,
    addrs: Vec<SocketAddr>,
    loc: &'static Location<'static>,
) -> io::Result<SimStream> {
    let mut last = None;
    for addr in addrs {
        match with_world(generation, |w| {
            connect_in(w, from, addr).map(|conn| SimStream::new(w, conn, 0, generation, loc))
        }) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_addresses))
}
