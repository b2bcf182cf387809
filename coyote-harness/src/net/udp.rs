//! `UdpSocket`; mirrors `tokio::net::UdpSocket`: tokio's in production, simulated in tests.
//!
//! In test mode a send and a receive are scheduling points; a datagram is delivered whole to
//! the socket bound at its destination, or lost (no such socket, the hosts are partitioned, the
//! destination is down), as UDP does; a receive into a smaller buffer truncates the datagram.

use super::addr::{resolve_real, resolve_sim, ToSocketAddrs};
use super::datagram::{Datagram, Socket};
use super::sim_listen::no_addresses;
use super::sim_tcp::{block, executor_now};
use super::world::{stale, with_world, Proto, World};
use crate::rt::{with_executor, OpKind, YieldPoint};
use coyote_core::strategy::Access;
use std::future::{poll_fn, Future};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::Location;
use std::task::Poll;

/// A UDP socket; mirrors `tokio::net::UdpSocket`.
pub struct UdpSocket {
    inner: Inner,
}

enum Inner {
    Real(tokio::net::UdpSocket),
    Sim(SimSocket),
}

struct SimSocket {
    id: u32,
    generation: u32,
    host: u32,
}

fn access(id: u32) -> Access {
    Access {
        object: 0x4e45_0000_0000_0000 | (2 << 40) | id as u64,
        write: true,
    }
}

impl SimSocket {
    fn live(&self) -> io::Result<()> {
        match executor_now() {
            Some((g, _)) if g == self.generation => Ok(()),
            _ => Err(stale()),
        }
    }

    fn send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
        self.live()?;
        let now = executor_now().map(|(_, t)| t).unwrap_or_default();
        let (id, host) = (self.id as usize, self.host);
        with_world(self.generation, |w| {
            let s = &w.sockets[id];
            if !s.open {
                return Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the socket's host crashed",
                ));
            }
            let from = if to.ip().is_loopback() {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), s.addr.port())
            } else {
                SocketAddr::new(IpAddr::V4(World::ip_of(host)), s.addr.port())
            };
            let Some(dest) = w.host_at(host, to.ip()) else {
                return Ok(buf.len());
            };
            if !w.reachable(host, dest) {
                return Ok(buf.len());
            }
            let at = now + w.delay(host, dest);
            if let Some(sid) = w.bound(dest, Proto::Udp, to.port()) {
                let d = Datagram {
                    from,
                    at,
                    bytes: buf.to_vec(),
                };
                let waker = w.sockets[sid as usize].deliver(d);
                w.wakes.extend(waker);
            }
            Ok(buf.len())
        })
    }

    fn poll_recv(
        &self,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
        loc: &'static Location<'static>,
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        if let Err(e) = self.live() {
            return Poll::Ready(Err(e));
        }
        let now = executor_now().map(|(_, t)| t).unwrap_or_default();
        let id = self.id as usize;
        let got = with_world(self.generation, |w| {
            let s = &mut w.sockets[id];
            if !s.open {
                return Ok(Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the socket's host crashed",
                )));
            }
            match s.take(now) {
                Ok(d) => Ok(Ok(d)),
                Err(next) => {
                    s.waker = Some(cx.waker().clone());
                    Err(next)
                }
            }
        });
        match got {
            Ok(Ok(d)) => {
                let n = d.bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&d.bytes[..n]);
                Poll::Ready(Ok((n, d.from)))
            }
            Ok(Err(e)) => Poll::Ready(Err(e)),
            Err(timer) => {
                block(OpKind::UdpRecv, loc, access(self.id), timer);
                Poll::Pending
            }
        }
    }
}

impl Drop for SimSocket {
    fn drop(&mut self) {
        if self.live().is_ok() {
            let id = self.id as usize;
            with_world(self.generation, |w| {
                let s = &mut w.sockets[id];
                if s.open {
                    s.open = false;
                    let (host, port) = (s.host, s.addr.port());
                    w.unbind(host, Proto::Udp, port);
                }
            });
        }
    }
}

fn not_connected() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the socket is not connected")
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0: an ephemeral port). Not a scheduling point in tests.
    #[track_caller]
    pub fn bind<A: ToSocketAddrs>(addr: A) -> impl Future<Output = io::Result<UdpSocket>> {
        let target = addr.to_target();
        async move {
            let target = target?;
            let ctl = with_executor(|ex| (ex.generation(), ex.task_host(ex.current_task())));
            match ctl {
                None => {
                    let addrs = resolve_real(target).await?;
                    Ok(UdpSocket {
                        inner: Inner::Real(tokio::net::UdpSocket::bind(&addrs[..]).await?),
                    })
                }
                Some((generation, host)) => {
                    let mut last = None;
                    for addr in resolve_sim(generation, target)? {
                        let bound = with_world(generation, |w| {
                            let id = w.sockets.len() as u32;
                            let addr = w.bind(host, Proto::Udp, addr, id)?;
                            w.sockets.push(Socket::new(host, addr));
                            Ok::<_, io::Error>(id)
                        });
                        match bound {
                            Ok(id) => {
                                return Ok(UdpSocket {
                                    inner: Inner::Sim(SimSocket {
                                        id,
                                        generation,
                                        host,
                                    }),
                                })
                            }
                            Err(e) => last = Some(e),
                        }
                    }
                    Err(last.unwrap_or_else(no_addresses))
                }
            }
        }
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Inner::Real(s) => s.local_addr(),
            Inner::Sim(s) => {
                s.live()?;
                Ok(with_world(s.generation, |w| w.sockets[s.id as usize].addr))
            }
        }
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Inner::Real(s) => s.peer_addr(),
            Inner::Sim(s) => {
                s.live()?;
                with_world(s.generation, |w| w.sockets[s.id as usize].peer)
                    .ok_or_else(not_connected)
            }
        }
    }

    /// Connects the socket to `addr`: `send` goes there, and only datagrams from there are
    /// received.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let target = addr.to_target()?;
        match &self.inner {
            Inner::Real(s) => s.connect(&resolve_real(target).await?[..]).await,
            Inner::Sim(s) => {
                s.live()?;
                let addrs = resolve_sim(s.generation, target)?;
                let peer = *addrs.first().ok_or_else(no_addresses)?;
                with_world(s.generation, |w| {
                    let sock = &mut w.sockets[s.id as usize];
                    sock.peer = Some(peer);
                    // Datagrams from others, queued before, are not for a connected socket.
                    sock.queue.retain(|d| d.from == peer);
                });
                Ok(())
            }
        }
    }

    /// Sends `buf` to `target`; returns the bytes sent. A scheduling point in tests.
    #[track_caller]
    pub fn send_to<'a, A: ToSocketAddrs + 'a>(
        &'a self,
        buf: &'a [u8],
        target: A,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        let loc = Location::caller();
        async move {
            let target = target.to_target()?;
            match &self.inner {
                Inner::Real(s) => s.send_to(buf, &resolve_real(target).await?[..]).await,
                Inner::Sim(s) => {
                    YieldPoint::with_access(OpKind::UdpSend, loc, access(s.id)).await;
                    let addrs = resolve_sim(s.generation, target)?;
                    s.send_to(buf, *addrs.first().ok_or_else(no_addresses)?)
                }
            }
        }
    }

    /// Sends `buf` to the connected peer. A scheduling point in tests.
    #[track_caller]
    pub fn send<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        let loc = Location::caller();
        async move {
            match &self.inner {
                Inner::Real(s) => s.send(buf).await,
                Inner::Sim(s) => {
                    YieldPoint::with_access(OpKind::UdpSend, loc, access(s.id)).await;
                    let peer = self.peer_addr()?;
                    s.send_to(buf, peer)
                }
            }
        }
    }

    /// Receives one datagram into `buf` (truncated to its length); returns its length and
    /// sender. A scheduling point in tests, where it waits (blocked) for a datagram.
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        let loc = Location::caller();
        async move {
            match &self.inner {
                Inner::Real(s) => s.recv_from(buf).await,
                Inner::Sim(s) => {
                    YieldPoint::with_access(OpKind::UdpRecv, loc, access(s.id)).await;
                    poll_fn(|cx| s.poll_recv(cx, buf, loc)).await
                }
            }
        }
    }

    /// Receives one datagram from the connected peer into `buf`. A scheduling point in tests.
    #[track_caller]
    pub fn recv<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        let loc = Location::caller();
        async move {
            match &self.inner {
                Inner::Real(s) => s.recv(buf).await,
                Inner::Sim(s) => {
                    self.peer_addr()?;
                    YieldPoint::with_access(OpKind::UdpRecv, loc, access(s.id)).await;
                    poll_fn(|cx| s.poll_recv(cx, buf, loc))
                        .await
                        .map(|(n, _)| n)
                }
            }
        }
    }
}

impl std::fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpSocket")
            .field("addr", &self.local_addr().ok())
            .finish()
    }
}
