//! A client of the protocol, over any stream.

use std::io;
use std::time::Duration;
use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, Lines, ReadHalf, WriteHalf,
};

/// A connected client.
pub struct Client<S> {
    lines: Lines<BufReader<ReadHalf<S>>>,
    write: WriteHalf<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// A client over a connected stream.
    pub fn new(stream: S) -> Client<S> {
        let (read, write) = tokio::io::split(stream);
        Client {
            lines: BufReader::new(read).lines(),
            write,
        }
    }

    /// Sends one request line and reads the reply line (`None`: the server closed).
    pub async fn request(&mut self, line: &str) -> io::Result<Option<String>> {
        self.write.write_all(format!("{line}\n").as_bytes()).await?;
        self.lines.next_line().await
    }

    /// The next line the server sends unasked (`BUSY`, `BYE`), `None` when it closed.
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        self.lines.next_line().await
    }

    /// `SET key value`, with a time to live.
    pub async fn set(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
    ) -> io::Result<Option<String>> {
        match ttl {
            Some(t) => {
                self.request(&format!("SET {key} {value} {}", t.as_millis()))
                    .await
            }
            None => self.request(&format!("SET {key} {value}")).await,
        }
    }

    /// `GET key`: the value, or `None` for `NIL`.
    pub async fn get(&mut self, key: &str) -> io::Result<Option<String>> {
        let reply = self.request(&format!("GET {key}")).await?;
        Ok(reply.and_then(|r| r.strip_prefix("VALUE ").map(str::to_string)))
    }
}
