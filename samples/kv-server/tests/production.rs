//! The same server outside any coyote test: tokio's runtime, tokio's sockets on loopback, and
//! the real clock (the expiry task runs on tokio's timers).

use kv_server::client::Client;
use kv_server::{Config, Server};
use std::time::Duration;

#[test]
fn serves_real_tcp_on_tokio() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        assert!(!under_coyote(), "no controlled executor here");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Server::new(Config {
            expiry_every: Duration::from_millis(5),
            ..Config::default()
        });
        let shutdown = server.shutdown();
        let running = tokio::spawn(server.run(listener));
        let mut c = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
        assert_eq!(
            c.set("k", "v", Some(Duration::from_millis(20)))
                .await
                .unwrap()
                .as_deref(),
            Some("OK")
        );
        assert_eq!(c.get("k").await.unwrap().as_deref(), Some("v"));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(c.get("k").await.unwrap(), None, "expired on tokio's clock");
        shutdown.send(()).unwrap();
        assert_eq!(c.next_line().await.unwrap().as_deref(), Some("BYE"));
        running.await.unwrap().unwrap();
    });
}

/// Whether a coyote executor controls this thread: the drop-in's Handle names it a current-thread runtime.
fn under_coyote() -> bool {
    tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::CurrentThread
}
