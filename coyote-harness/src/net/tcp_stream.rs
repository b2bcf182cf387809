//! `TcpListener` and `TcpStream`; mirrors `tokio::net`'s. Each is tokio's real socket in
//! production and a simulated one in test mode, decided when it is made (bind, connect).

use super::addr::{resolve_real, resolve_sim, ToSocketAddrs};
use super::sim_listen::{self, SimListener};
use super::sim_tcp::SimStream;
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::rt::{with_executor, OpKind, YieldPoint};
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The running task's executor generation and host, in test mode.
fn controlled() -> Option<(u32, u32)> {
    with_executor(|ex| (ex.generation(), ex.task_host(ex.current_task())))
}

/// A TCP socket server, listening for connections; mirrors `tokio::net::TcpListener`.
///
/// In test mode it listens on the running task's simulated host (see [`sim`](super::sim));
/// binding port 0 picks a free ephemeral port, and binding a port already bound on that host
/// fails with `AddrInUse`.
pub struct TcpListener {
    inner: Listener,
}

enum Listener {
    Real(tokio::net::TcpListener),
    Sim(SimListener),
}

impl TcpListener {
    /// Binds a listener to `addr` (the first of its addresses that binds). Not a scheduling
    /// point in tests (binding touches only the task's own host).
    #[track_caller]
    pub fn bind<A: ToSocketAddrs>(addr: A) -> impl Future<Output = io::Result<TcpListener>> {
        let loc = Location::caller();
        let target = addr.to_target();
        async move {
            let target = target?;
            match controlled() {
                None => {
                    let addrs = resolve_real(target).await?;
                    let l = tokio::net::TcpListener::bind(&addrs[..]).await?;
                    Ok(TcpListener {
                        inner: Listener::Real(l),
                    })
                }
                Some((generation, host)) => {
                    let addrs = resolve_sim(generation, target)?;
                    let l = SimListener::bind(generation, host, addrs, loc)?;
                    Ok(TcpListener {
                        inner: Listener::Sim(l),
                    })
                }
            }
        }
    }

    /// Accepts a new incoming connection: the stream and the peer's address. A scheduling
    /// point in tests, where it waits (blocked) until a client connects.
    #[track_caller]
    pub fn accept(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + '_ {
        let loc = Location::caller();
        async move {
            match &self.inner {
                Listener::Real(l) => {
                    let (s, a) = l.accept().await?;
                    Ok((TcpStream::real(s), a))
                }
                Listener::Sim(l) => {
                    YieldPoint::with_access(
                        OpKind::NetAccept,
                        loc,
                        sim_listen::listener_access(l.id),
                    )
                    .await;
                    let (s, a) = poll_fn(|cx| l.poll_accept(cx, loc)).await?;
                    Ok((TcpStream::sim(s), a))
                }
            }
        }
    }

    /// The address the listener is bound to (with the port chosen for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Listener::Real(l) => l.local_addr(),
            Listener::Sim(l) => Ok(l.addr),
        }
    }
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener")
            .field("addr", &self.local_addr().ok())
            .finish()
    }
}

/// A TCP stream between a local and a remote socket; mirrors `tokio::net::TcpStream`. Read and
/// write it through tokio's [`AsyncRead`]/[`AsyncWrite`] (`AsyncReadExt::read`,
/// `AsyncWriteExt::write_all`, ...).
///
/// In test mode each read, write and shutdown is a scheduling point, logged at the line that
/// made the stream (`connect` or `accept`), and a read may return fewer bytes than are
/// available (a write may take fewer than given), as on a real network: a declared choice the
/// strategies explore.
pub struct TcpStream {
    pub(super) inner: Stream,
}

pub(super) enum Stream {
    Real(tokio::net::TcpStream),
    Sim(SimStream),
}

impl TcpStream {
    fn real(s: tokio::net::TcpStream) -> TcpStream {
        TcpStream {
            inner: Stream::Real(s),
        }
    }

    fn sim(s: SimStream) -> TcpStream {
        TcpStream {
            inner: Stream::Sim(s),
        }
    }

    /// Opens a connection to `addr` (the first of its addresses that accepts). A scheduling
    /// point in tests; fails with `ConnectionRefused` when nothing listens there, and with
    /// `TimedOut` when the host is down or partitioned away.
    #[track_caller]
    pub fn connect<A: ToSocketAddrs>(addr: A) -> impl Future<Output = io::Result<TcpStream>> {
        let loc = Location::caller();
        let target = addr.to_target();
        async move {
            let target = target?;
            match controlled() {
                None => {
                    let addrs = resolve_real(target).await?;
                    Ok(TcpStream::real(
                        tokio::net::TcpStream::connect(&addrs[..]).await?,
                    ))
                }
                Some((generation, _)) => {
                    YieldPoint::new(OpKind::NetConnect, loc).await;
                    let (_, host) = controlled().expect("still in the test");
                    let addrs = resolve_sim(generation, target)?;
                    Ok(TcpStream::sim(sim_listen::connect(
                        generation, host, addrs, loc,
                    )?))
                }
            }
        }
    }

    /// The local address of this side.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Stream::Real(s) => s.local_addr(),
            Stream::Sim(s) => Ok(s.local),
        }
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.inner {
            Stream::Real(s) => s.peer_addr(),
            Stream::Sim(s) => Ok(s.peer),
        }
    }

    /// Sets `TCP_NODELAY` (a no-op on the simulated network, which has no Nagle delay).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        match &self.inner {
            Stream::Real(s) => s.set_nodelay(nodelay),
            Stream::Sim(_) => Ok(()),
        }
    }

    /// Whether `TCP_NODELAY` is set (always true on the simulated network).
    pub fn nodelay(&self) -> io::Result<bool> {
        match &self.inner {
            Stream::Real(s) => s.nodelay(),
            Stream::Sim(_) => Ok(true),
        }
    }

    /// Splits the stream into a read half and a write half borrowing it.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        match &mut self.inner {
            Stream::Real(s) => {
                let (r, w) = s.split();
                (ReadHalf::real(r), WriteHalf::real(w))
            }
            Stream::Sim(s) => (ReadHalf::sim(s), WriteHalf::sim(s)),
        }
    }

    /// Splits the stream into owned halves; dropping the write half shuts down writing, and
    /// [`OwnedReadHalf::reunite`] puts them back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        match self.inner {
            Stream::Real(s) => {
                let (r, w) = s.into_split();
                (OwnedReadHalf::real(r), OwnedWriteHalf::real(w))
            }
            Stream::Sim(s) => {
                let s = Arc::new(s);
                (OwnedReadHalf::sim(s.clone()), OwnedWriteHalf::sim(s))
            }
        }
    }

    pub(super) fn from_sim(s: SimStream) -> TcpStream {
        TcpStream::sim(s)
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Stream::Real(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Sim(s) => s.poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Stream::Real(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Sim(s) => s.poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Stream::Real(s) => Pin::new(s).poll_flush(cx),
            Stream::Sim(_) => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Stream::Real(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Sim(s) => s.poll_shutdown(cx),
        }
    }
}
