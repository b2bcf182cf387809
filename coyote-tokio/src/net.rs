//! `tokio::net`: the harness's network. In a test, `TcpListener`, `TcpStream` (and its split
//! halves), `UdpSocket` and `lookup_host` run on coyote's simulated network (named hosts,
//! port 0, connect/accept/read/write as scheduling points, partial reads and writes explored,
//! faults declared through [`sim`]); in production each is tokio's real socket.
//!
//! `TcpSocket` and the Unix sockets are tokio's, not simulated.

pub use coyote_harness::net::{
    lookup_host, sim, tcp, TcpListener, TcpStream, ToSocketAddrs, UdpSocket,
};
pub use tokio::net::{unix, TcpSocket, UnixDatagram, UnixListener, UnixStream};
