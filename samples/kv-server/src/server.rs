//! The server: an accept loop under a connection limit, a task per connection, a background
//! expiry task, and graceful shutdown over `broadcast`.

use crate::store::Store;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};

/// How the expiry task drops keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// The planted bug: collect the expired keys under the lock, release it, then delete them
    /// under it again; a key re-set in between is lost.
    CollectThenDelete,
    /// The fix: one critical section (`retain`).
    Retain,
}

/// The server's settings.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Connections served at once; more get `BUSY`.
    pub max_connections: usize,
    /// How often the expiry task runs.
    pub expiry_every: Duration,
    /// How it drops keys.
    pub expiry: Expiry,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_connections: 64,
            expiry_every: Duration::from_millis(100),
            expiry: Expiry::Retain,
        }
    }
}

/// A server; [`Server::run`] serves a listener until [`Server::shutdown`]'s sender fires.
pub struct Server {
    config: Config,
    store: Store,
    shutdown: broadcast::Sender<()>,
}

impl Server {
    /// A server with an empty store.
    pub fn new(config: Config) -> Server {
        let (shutdown, _) = broadcast::channel(1);
        Server {
            config,
            store: Store::default(),
            shutdown,
        }
    }

    /// The sender that starts a graceful shutdown (send `()`).
    pub fn shutdown(&self) -> broadcast::Sender<()> {
        self.shutdown.clone()
    }

    /// Serves `listener` until shutdown, then waits for every connection to say `BYE`.
    pub async fn run(self, listener: TcpListener) -> io::Result<()> {
        let limit = Arc::new(Semaphore::new(self.config.max_connections));
        let expiry = tokio::spawn(expire(
            self.store.clone(),
            self.config,
            self.shutdown.subscribe(),
        ));
        let mut stop = self.shutdown.subscribe();
        loop {
            tokio::select! {
                conn = listener.accept() => {
                    let (conn, _peer) = conn?;
                    match limit.clone().try_acquire_owned() {
                        Ok(permit) => {
                            tokio::spawn(serve(conn, self.store.clone(), self.shutdown.subscribe(), permit));
                        }
                        Err(_) => {
                            tokio::spawn(async move {
                                let mut conn = conn;
                                let _ = conn.write_all(b"BUSY\n").await;
                            });
                        }
                    }
                }
                _ = stop.recv() => break,
            }
        }
        // Graceful: every connection gives its permit back when it ends.
        let all = self.config.max_connections as u32;
        let _drained = limit.acquire_many(all).await;
        let _ = expiry.await;
        Ok(())
    }
}

/// The background expiry task.
async fn expire(store: Store, config: Config, mut stop: broadcast::Receiver<()>) {
    let mut every = tokio::time::interval(config.expiry_every);
    loop {
        tokio::select! {
            _ = every.tick() => store.expire(config.expiry).await,
            _ = stop.recv() => return,
        }
    }
}

/// One connection: requests until the client hangs up or the server shuts down.
async fn serve<S>(
    conn: S,
    store: Store,
    mut stop: broadcast::Receiver<()>,
    _permit: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (read, mut write) = tokio::io::split(conn);
    let mut lines = BufReader::new(read).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    let reply = store.apply(&line).await;
                    if write.write_all(format!("{reply}\n").as_bytes()).await.is_err() {
                        return;
                    }
                }
                _ => return,
            },
            _ = stop.recv() => {
                let _ = write.write_all(b"BYE\n").await;
                return;
            }
        }
    }
}
