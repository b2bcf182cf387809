//! Where connections come from: a `tokio::net::TcpListener`, or an in-memory listener whose
//! connections are `tokio::io::duplex` pairs (for tests, and to run the server in-process).

use std::io;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A source of connections.
pub trait Listener: Send + 'static {
    /// A connection.
    type Conn: AsyncRead + AsyncWrite + Send + Unpin + 'static;
    /// Waits for the next connection; `None` when no more can come.
    fn accept(
        &mut self,
    ) -> impl std::future::Future<Output = io::Result<Option<Self::Conn>>> + Send;
}

impl Listener for TcpListener {
    type Conn = TcpStream;
    async fn accept(&mut self) -> io::Result<Option<TcpStream>> {
        TcpListener::accept(self).await.map(|(s, _)| Some(s))
    }
}

/// The in-memory listener's accepting end.
pub struct MemoryListener {
    incoming: mpsc::Receiver<DuplexStream>,
}

/// The in-memory listener's connecting end.
#[derive(Clone)]
pub struct MemoryConnector {
    outgoing: mpsc::Sender<DuplexStream>,
}

/// An in-memory listener and the connector that reaches it.
pub fn memory() -> (MemoryListener, MemoryConnector) {
    let (outgoing, incoming) = mpsc::channel(16);
    (MemoryListener { incoming }, MemoryConnector { outgoing })
}

impl MemoryConnector {
    /// Connects; the server's end waits in the listener.
    pub async fn connect(&self) -> io::Result<DuplexStream> {
        let (ours, theirs) = tokio::io::duplex(4096);
        self.outgoing
            .send(theirs)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::ConnectionRefused, "server gone"))?;
        Ok(ours)
    }
}

impl Listener for MemoryListener {
    type Conn = DuplexStream;
    async fn accept(&mut self) -> io::Result<Option<DuplexStream>> {
        Ok(self.incoming.recv().await)
    }
}
