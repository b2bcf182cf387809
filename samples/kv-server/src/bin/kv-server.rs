//! The server in production: `cargo run -p kv-server -- 127.0.0.1:6380`; ctrl-c shuts it down
//! gracefully. Under the package rename this is tokio's runtime and tokio's sockets.

use kv_server::{Config, Server};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6380".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("kv-server: listening on {}", listener.local_addr()?);
    let server = Server::new(Config::default());
    let shutdown = server.shutdown();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = shutdown.send(());
    });
    server.run(listener).await
}
