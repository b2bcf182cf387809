//! The server's integration tests, as a tokio user writes them: `#[tokio::test]`s that start
//! the server and talk to it as clients. Through the drop-in each one is a systematic test:
//! `cargo test` explores it, and `coyote list` / `coyote test` on the library find it (this
//! module is compiled in every build, not only under `cfg(test)`, for that).
//!
//! `expiry_keeps_a_rewritten_key` runs the planted race and fails; it is `#[ignore]`d so the
//! workspace's `cargo test` stays green (`cargo test -p kv-server -- --ignored` shows it found);
//! `expiry_keeps_a_rewritten_key_fixed` is the same test against the fix.

use crate::client::Client;
use crate::server::{Config, Expiry, Server};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// Starts a server with `config` on a port of its own.
async fn start(
    config: Config,
) -> (
    SocketAddr,
    broadcast::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("bound");
    let server = Server::new(config);
    let shutdown = server.shutdown();
    let running = tokio::spawn(server.run(listener));
    (addr, shutdown, running)
}

async fn connect(to: &SocketAddr) -> Client<TcpStream> {
    Client::new(TcpStream::connect(to).await.expect("the server accepts"))
}

/// A key set with a time to live expires; then it is set again, for good, while the expiry
/// task runs. The rewritten value must survive.
async fn rewritten_key_survives(expiry: Expiry) {
    let (to, shutdown, running) = start(Config {
        max_connections: 4,
        expiry_every: Duration::from_millis(10),
        expiry,
    })
    .await;
    let mut client = connect(&to).await;
    let ttl = Some(Duration::from_millis(10));
    assert_eq!(
        client.set("session", "old", ttl).await.unwrap().as_deref(),
        Some("OK")
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        client.set("session", "new", None).await.unwrap().as_deref(),
        Some("OK")
    );
    tokio::time::sleep(Duration::from_millis(25)).await;
    let got = client.get("session").await.unwrap();
    assert_eq!(got.as_deref(), Some("new"), "the rewritten key was lost");
    shutdown.send(()).unwrap();
    running.await.unwrap().unwrap();
}

#[tokio::test]
#[ignore = "the planted bug: `cargo test -p kv-server -- --ignored` shows it found"]
async fn expiry_keeps_a_rewritten_key() {
    rewritten_key_survives(Expiry::CollectThenDelete).await;
}

#[tokio::test]
async fn expiry_keeps_a_rewritten_key_fixed() {
    rewritten_key_survives(Expiry::Retain).await;
}

#[tokio::test]
async fn set_get_del() {
    let (to, shutdown, running) = start(Config::default()).await;
    let mut client = connect(&to).await;
    assert_eq!(client.get("k").await.unwrap(), None);
    assert_eq!(
        client.set("k", "v1", None).await.unwrap().as_deref(),
        Some("OK")
    );
    assert_eq!(client.get("k").await.unwrap().as_deref(), Some("v1"));
    assert_eq!(
        client.request("DEL k").await.unwrap().as_deref(),
        Some("OK")
    );
    assert_eq!(client.get("k").await.unwrap(), None);
    let bad = client.request("FROB").await.unwrap().unwrap();
    assert!(bad.starts_with("ERR"), "{bad}");
    shutdown.send(()).unwrap();
    running.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_see_each_others_writes() {
    let (to, shutdown, running) = start(Config::default()).await;
    let writers: Vec<_> = (0..2)
        .map(|i| {
            let to = to;
            tokio::spawn(async move {
                let mut c = connect(&to).await;
                c.set(&format!("k{i}"), &format!("v{i}"), None)
                    .await
                    .unwrap();
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let mut reader = connect(&to).await;
    assert_eq!(reader.get("k0").await.unwrap().as_deref(), Some("v0"));
    assert_eq!(reader.get("k1").await.unwrap().as_deref(), Some("v1"));
    shutdown.send(()).unwrap();
    running.await.unwrap().unwrap();
}

#[tokio::test]
async fn connection_limit_turns_clients_away() {
    let (to, shutdown, running) = start(Config {
        max_connections: 1,
        ..Config::default()
    })
    .await;
    let mut first = connect(&to).await;
    assert_eq!(
        first.set("a", "1", None).await.unwrap().as_deref(),
        Some("OK")
    );
    let mut second = connect(&to).await;
    assert_eq!(second.next_line().await.unwrap().as_deref(), Some("BUSY"));
    assert_eq!(first.get("a").await.unwrap().as_deref(), Some("1"));
    shutdown.send(()).unwrap();
    running.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_says_bye_and_drains() -> std::io::Result<()> {
    let (to, shutdown, running) = start(Config::default()).await;
    let mut client = connect(&to).await;
    assert_eq!(client.set("a", "1", None).await?.as_deref(), Some("OK"));
    shutdown.send(()).unwrap();
    assert_eq!(client.next_line().await?.as_deref(), Some("BYE"));
    running.await.unwrap()?;
    Ok(())
}
