//! Test mode's listening sockets ([`SimListener`]) and connecting: `connect` finds the
//! listener an address names on the simulated network and opens a connection to it.
//!
//! Invariants: as in `sim_tcp` (an object of another iteration does nothing and fails with
//! `stale`); an accept is a scheduling point, and blocks until a connection is queued or the
//! listener is gone; a connect to a host that is down or partitioned away fails at once.

use super::conn::Conn;
use super::sim_tcp::{block, executor_now, SimStream, NET_OBJECT};
use super::world::{with_world, Proto, World};
use crate::rt::OpKind;
use coyote_core::strategy::Access;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::Location;
use std::task::{Context, Poll};

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
