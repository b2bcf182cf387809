//! Networking: a mirror of `tokio::net` (`TcpListener`, `TcpStream` and its halves,
//! `UdpSocket`, `lookup_host`, `ToSocketAddrs`), simulated in memory in test mode.
//!
//! In production every type is tokio's real socket. Under a controlled executor (`coyote test`,
//! [`check`](crate::check)) the same calls run on a simulated network of named hosts
//! ([`sim`]): the test's tasks run on the default host `main` unless spawned on another
//! ([`sim::Host::spawn`]), `"db:5432"` resolves to the host named `db`, and `127.0.0.1` /
//! `localhost` is the calling task's own host. Binding port 0 picks an ephemeral port.
//!
//! Connect, accept, every read and write and shutdown, and UDP send and receive are scheduling
//! points, and a read may return fewer bytes than were sent (a write may take fewer than given):
//! a declared choice, recorded in the trace like `random::int`, so a parser that assumes one
//! read returns a whole frame is caught. Faults ([`sim::Fault`]: reset a connection, partition
//! two hosts and heal, crash and restart a host, delay a link) are declared by the test and
//! their moment is explored by the strategies; each shows in the step log as `net.fault` with a
//! line saying what happened.
//!
//! ```
//! use coyote_harness::net::{TcpListener, TcpStream};
//! use coyote_harness::task;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! async fn echo_once() {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = task::spawn(async move {
//!         let (mut s, _) = listener.accept().await.unwrap();
//!         let mut buf = [0; 5];
//!         s.read_exact(&mut buf).await.unwrap();
//!         s.write_all(&buf).await.unwrap();
//!     });
//!     let mut c = TcpStream::connect(addr).await.unwrap();
//!     c.write_all(b"hello").await.unwrap();
//!     let mut back = [0; 5];
//!     c.read_exact(&mut back).await.unwrap();
//!     assert_eq!(&back, b"hello");
//!     server.await.unwrap();
//! }
//!
//! coyote_harness::check(echo_once, coyote_harness::Config::new().iterations(50));
//! ```
//!
//! See `docs/network.md` for the model and what differs from a real network.

mod addr;
mod conn;
mod datagram;
pub mod sim;
mod sim_listen;
mod sim_tcp;
mod split;
mod tcp_stream;
mod udp;
mod world;

#[doc(hidden)]
pub use addr::Target;
pub use addr::ToSocketAddrs;
pub use tcp_stream::{TcpListener, TcpStream};
pub use udp::UdpSocket;

/// TCP's helper types; mirrors `tokio::net::tcp`.
pub mod tcp {
    pub use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
}

use std::io;
use std::net::SocketAddr;

/// Resolves `host` to its socket addresses; mirrors `tokio::net::lookup_host`. In test mode a
/// simulated host's name resolves to its address, `localhost` to `127.0.0.1`; an unknown name
/// fails as an unknown name does.
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    let target = host.to_target()?;
    let addrs = match crate::rt::with_executor(|ex| ex.generation()) {
        Some(generation) => addr::resolve_sim(generation, target)?,
        None => addr::resolve_real(target).await?,
    };
    Ok(addrs.into_iter())
}
