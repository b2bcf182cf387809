//! A `TcpStream`'s halves; mirrors `tokio::net::tcp`: [`ReadHalf`]/[`WriteHalf`] borrow the
//! stream ([`TcpStream::split`]), [`OwnedReadHalf`]/[`OwnedWriteHalf`] own it
//! ([`TcpStream::into_split`]).
//!
//! Invariant: a simulated stream's two owned halves share it; it closes when both are gone,
//! and dropping the write half shuts down writing first (as tokio's does).

use super::sim_tcp::SimStream;
use super::tcp_stream::{Stream, TcpStream};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The read half of [`TcpStream::split`].
pub struct ReadHalf<'a>(RHalf<'a>);
enum RHalf<'a> {
    Real(tokio::net::tcp::ReadHalf<'a>),
    Sim(&'a SimStream),
}

/// The write half of [`TcpStream::split`].
pub struct WriteHalf<'a>(WHalf<'a>);
enum WHalf<'a> {
    Real(tokio::net::tcp::WriteHalf<'a>),
    Sim(&'a SimStream),
}

/// The owned read half of [`TcpStream::into_split`].
pub struct OwnedReadHalf(ORHalf);
enum ORHalf {
    Real(tokio::net::tcp::OwnedReadHalf),
    Sim(Arc<SimStream>),
}

/// The owned write half of [`TcpStream::into_split`]; dropping it shuts down writing.
pub struct OwnedWriteHalf(OWHalf);
enum OWHalf {
    Real(tokio::net::tcp::OwnedWriteHalf),
    Sim {
        s: Arc<SimStream>,
        shutdown_on_drop: bool,
    },
}

/// The error of [`OwnedReadHalf::reunite`] with halves of two different streams; it gives
/// them back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

impl<'a> ReadHalf<'a> {
    pub(super) fn real(h: tokio::net::tcp::ReadHalf<'a>) -> Self {
        ReadHalf(RHalf::Real(h))
    }
    pub(super) fn sim(s: &'a SimStream) -> Self {
        ReadHalf(RHalf::Sim(s))
    }
    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            RHalf::Real(h) => h.peer_addr(),
            RHalf::Sim(s) => Ok(s.peer),
        }
    }
    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            RHalf::Real(h) => h.local_addr(),
            RHalf::Sim(s) => Ok(s.local),
        }
    }
}

impl<'a> WriteHalf<'a> {
    pub(super) fn real(h: tokio::net::tcp::WriteHalf<'a>) -> Self {
        WriteHalf(WHalf::Real(h))
    }
    pub(super) fn sim(s: &'a SimStream) -> Self {
        WriteHalf(WHalf::Sim(s))
    }
    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            WHalf::Real(h) => h.peer_addr(),
            WHalf::Sim(s) => Ok(s.peer),
        }
    }
    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            WHalf::Real(h) => h.local_addr(),
            WHalf::Sim(s) => Ok(s.local),
        }
    }
}

impl OwnedReadHalf {
    pub(super) fn real(h: tokio::net::tcp::OwnedReadHalf) -> Self {
        OwnedReadHalf(ORHalf::Real(h))
    }
    pub(super) fn sim(s: Arc<SimStream>) -> Self {
        OwnedReadHalf(ORHalf::Sim(s))
    }

    /// Puts the two halves of one stream back together; gives them back if they are not.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        match (self.0, other.take()) {
            (ORHalf::Real(r), OWHalf::Real(w)) => match r.reunite(w) {
                Ok(s) => Ok(TcpStream {
                    inner: Stream::Real(s),
                }),
                Err(e) => Err(ReuniteError(Self::real(e.0), OwnedWriteHalf::real(e.1))),
            },
            (ORHalf::Sim(r), OWHalf::Sim { s: w, .. }) if Arc::ptr_eq(&r, &w) => {
                drop(w);
                let s = Arc::try_unwrap(r).unwrap_or_else(|_| unreachable!("two halves only"));
                Ok(TcpStream::from_sim(s))
            }
            (r, w) => Err(ReuniteError(OwnedReadHalf(r), OwnedWriteHalf(w))),
        }
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            ORHalf::Real(h) => h.peer_addr(),
            ORHalf::Sim(s) => Ok(s.peer),
        }
    }
    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            ORHalf::Real(h) => h.local_addr(),
            ORHalf::Sim(s) => Ok(s.local),
        }
    }
}

impl OwnedWriteHalf {
    pub(super) fn real(h: tokio::net::tcp::OwnedWriteHalf) -> Self {
        OwnedWriteHalf(OWHalf::Real(h))
    }
    pub(super) fn sim(s: Arc<SimStream>) -> Self {
        OwnedWriteHalf(OWHalf::Sim {
            s,
            shutdown_on_drop: true,
        })
    }

    /// Drops the half without shutting down writing.
    pub fn forget(self) {
        if let OWHalf::Real(h) = self.take() {
            h.forget();
        }
    }

    /// The half's stream, leaving a stand-in that does nothing when dropped.
    fn take(mut self) -> OWHalf {
        std::mem::replace(
            &mut self.0,
            OWHalf::Sim {
                s: dummy(),
                shutdown_on_drop: false,
            },
        )
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            OWHalf::Real(h) => h.peer_addr(),
            OWHalf::Sim { s, .. } => Ok(s.peer),
        }
    }
    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            OWHalf::Real(h) => h.local_addr(),
            OWHalf::Sim { s, .. } => Ok(s.local),
        }
    }
}

/// A stand-in stream of no iteration (generation 0 is never an executor's), for `forget`.
fn dummy() -> Arc<SimStream> {
    Arc::new(SimStream::detached())
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if let OWHalf::Sim {
            s,
            shutdown_on_drop: true,
        } = &self.0
        {
            s.shutdown_now();
        }
    }
}

impl std::fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl std::fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

macro_rules! read_impl {
    ($t:ty, $real:path, $sim:path) => {
        impl AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                match &mut self.get_mut().0 {
                    $real(h) => Pin::new(h).poll_read(cx, buf),
                    $sim(s) => s.poll_read(cx, buf),
                }
            }
        }
    };
}

read_impl!(ReadHalf<'_>, RHalf::Real, RHalf::Sim);
read_impl!(OwnedReadHalf, ORHalf::Real, ORHalf::Sim);

impl AsyncWrite for WriteHalf<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            WHalf::Real(h) => Pin::new(h).poll_write(cx, buf),
            WHalf::Sim(s) => s.poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            WHalf::Real(h) => Pin::new(h).poll_flush(cx),
            WHalf::Sim(_) => Poll::Ready(Ok(())),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            WHalf::Real(h) => Pin::new(h).poll_shutdown(cx),
            WHalf::Sim(s) => s.poll_shutdown(cx),
        }
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            OWHalf::Real(h) => Pin::new(h).poll_write(cx, buf),
            OWHalf::Sim { s, .. } => s.poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            OWHalf::Real(h) => Pin::new(h).poll_flush(cx),
            OWHalf::Sim { .. } => Poll::Ready(Ok(())),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            OWHalf::Real(h) => Pin::new(h).poll_shutdown(cx),
            OWHalf::Sim { s, .. } => s.poll_shutdown(cx),
        }
    }
}
