//! tokio's I/O utilities under a controlled test: `split`, `BufReader` and `copy` over the
//! simulated network run; `duplex` is tokio's own pipe, reported as uncontrolled at the user's
//! line with the hint to use the simulated network.

use coyote_harness::{check, Config};
use coyote_tokio as tokio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

#[test]
fn split_and_buffered_reads_over_the_simulated_network() {
    check(
        || async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (s, _) = listener.accept().await.unwrap();
                let (r, mut w) = tokio::io::split(s);
                let mut lines = BufReader::new(r).lines();
                while let Some(line) = lines.next_line().await.unwrap() {
                    w.write_all(format!("{line}!\n").as_bytes()).await.unwrap();
                }
            });
            let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
            c.write_all(b"hi\n").await.unwrap();
            let mut back = [0u8; 4];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"hi!\n");
            drop(c);
            server.await.unwrap();
        },
        Config::new().iterations(100),
    );
}

#[test]
fn duplex_is_reported_uncontrolled_at_the_users_line() {
    let p = std::panic::catch_unwind(|| {
        check(
            || async {
                let (mut a, mut b) = tokio::io::duplex(64);
                a.write_all(b"x").await.unwrap();
                let mut buf = [0u8; 1];
                b.read_exact(&mut buf).await.unwrap();
            },
            Config::new().iterations(5),
        )
    });
    let msg = p
        .expect_err("reported")
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        msg.contains("uncontrolled: the test used tokio::io::duplex"),
        "{msg}"
    );
    assert!(msg.contains("simulated network"), "{msg}");
    assert!(msg.contains("tests/io_utils.rs:"), "{msg}");
}

#[test]
fn copy_and_copy_bidirectional_run_controlled() {
    check(
        || async {
            // An echo server (copy) behind a proxy (copy_bidirectional).
            let echo = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let echo_addr = echo.local_addr().unwrap();
            tokio::spawn(async move {
                let (s, _) = echo.accept().await.unwrap();
                let (mut r, mut w) = s.into_split();
                tokio::io::copy(&mut r, &mut w).await.unwrap();
            });
            let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let proxy_addr = proxy.local_addr().unwrap();
            let proxied = tokio::spawn(async move {
                let (mut inbound, _) = proxy.accept().await.unwrap();
                let mut outbound = tokio::net::TcpStream::connect(echo_addr).await.unwrap();
                tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                    .await
                    .unwrap()
            });
            let mut c = tokio::net::TcpStream::connect(proxy_addr).await.unwrap();
            c.write_all(b"ping").await.unwrap();
            let mut back = [0u8; 4];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"ping");
            c.shutdown().await.unwrap();
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
            assert_eq!(proxied.await.unwrap(), (4, 4));
        },
        Config::new().iterations(200),
    );
}
