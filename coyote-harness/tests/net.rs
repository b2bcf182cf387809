//! The simulated network (`net`): an echo service passes, a frame parser that assumes one read
//! is one frame is caught by a partial read and its trace replays, bugs that need a reset or a
//! partition are found only with that fault (their fixed twins pass), a crash keeps the host's
//! store, errors are the OS's, and the same code runs on tokio's real loopback.

mod common;

use common::{bug_report, written_trace};
use coyote_harness::net::sim::{self, Fault};
use coyote_harness::net::{lookup_host, TcpListener, TcpStream, UdpSocket};
use coyote_harness::{check, sync, task, time, Config};
use std::io::ErrorKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A fresh directory for one test's trace.
fn trace_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("coyote-net-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn random(iterations: u64) -> Config {
    Config::new().iterations(iterations).seed(7)
}

/// Echoes `n` length-prefixed messages over one connection: a server task and a client, both on
/// the default host (loopback). Runs unchanged in test mode and on tokio.
async fn echo(n: u32) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert_ne!(addr.port(), 0, "port 0 binds an ephemeral port");
    let server = task::spawn(async move {
        let (mut s, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, s.peer_addr().unwrap());
        loop {
            let mut len = [0u8; 4];
            match s.read_exact(&mut len).await {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return,
                Err(e) => panic!("{e}"),
            }
            let mut body = vec![0; u32::from_be_bytes(len) as usize];
            s.read_exact(&mut body).await.unwrap();
            s.write_all(&len).await.unwrap();
            s.write_all(&body).await.unwrap();
        }
    });
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.set_nodelay(true).unwrap();
    assert_eq!(c.peer_addr().unwrap(), addr);
    for i in 0..n {
        let msg = format!("message number {i}");
        c.write_all(&(msg.len() as u32).to_be_bytes())
            .await
            .unwrap();
        c.write_all(msg.as_bytes()).await.unwrap();
        let mut len = [0u8; 4];
        c.read_exact(&mut len).await.unwrap();
        let mut back = vec![0; u32::from_be_bytes(len) as usize];
        c.read_exact(&mut back).await.unwrap();
        assert_eq!(back, msg.as_bytes());
    }
    c.shutdown().await.unwrap();
    drop(c);
    server.await.unwrap();
}

#[test]
fn an_echo_server_and_client_pass_every_explored_schedule() {
    check(|| echo(3), random(300));
}

#[test]
fn the_same_echo_runs_on_tokios_real_loopback() {
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current_thread.block_on(echo(3));
    // And on a multi-thread runtime.
    tokio::runtime::Runtime::new().unwrap().block_on(echo(2));
}

/// A server that reads a length-prefixed frame with one `read`, assuming it returns the whole
/// frame (the bug), or with `read_exact` (the fix).
fn frame_parser(
    fixed: bool,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = task::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 64];
                let n = if fixed {
                    s.read_exact(&mut buf[..4]).await.unwrap();
                    let len = u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
                    s.read_exact(&mut buf[4..4 + len]).await.unwrap();
                    4 + len
                } else {
                    s.read(&mut buf).await.unwrap()
                };
                let len = u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
                assert_eq!(n, 4 + len, "short frame: got {n} bytes of {}", 4 + len);
                String::from_utf8(buf[4..n].to_vec()).unwrap()
            });
            let mut c = TcpStream::connect(addr).await.unwrap();
            let mut frame = 5u32.to_be_bytes().to_vec();
            frame.extend_from_slice(b"hello");
            c.write_all(&frame).await.unwrap();
            assert_eq!(server.await.unwrap(), "hello");
        })
    }
}

#[test]
fn a_parser_that_assumes_one_read_is_one_frame_is_caught_and_its_trace_replays() {
    let dir = trace_dir("frame");
    let msg = bug_report(random(200).trace_dir(&dir), frame_parser(false));
    assert!(msg.contains("short frame"), "{msg}");
    assert!(
        msg.contains("net: short"),
        "the log shows the partial read: {msg}"
    );
    assert!(msg.contains("net.read"), "{msg}");
    let failure = coyote_harness::replay(frame_parser(false), written_trace(&dir));
    assert!(
        failure.message.contains("short frame"),
        "{}",
        failure.message
    );
    check(frame_parser(true), random(300));
}

/// With partial I/O off, the same parser passes: the bug needs the partial read.
#[test]
fn without_partial_reads_the_frame_bug_hides() {
    let test = frame_parser(false);
    check(
        move || {
            let t = test();
            async move {
                sim::partial_io(false);
                t.await
            }
        },
        random(100),
    );
}

/// A counter service on host `db`: each request `incr <id>` adds one and replies `ok`. The
/// client retries a request whose connection fails. Without deduplication (the bug) a retry of
/// a request the server already applied counts twice; the fix remembers request ids.
async fn counter_service(dedupe: bool, reset: bool) {
    let db = sim::host("db");
    let count = Arc::new(AtomicU64::new(0));
    let (ready_tx, ready_rx) = sync::oneshot::channel();
    let served = count.clone();
    db.spawn(async move {
        let listener = TcpListener::bind("0.0.0.0:7000").await.unwrap();
        ready_tx.send(()).unwrap();
        let seen = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let (served, seen) = (served.clone(), seen.clone());
            task::spawn(async move {
                let mut id = [0u8; 8];
                if s.read_exact(&mut id).await.is_err() {
                    return;
                }
                if !dedupe || seen.lock().unwrap().insert(u64::from_be_bytes(id)) {
                    served.fetch_add(1, Ordering::SeqCst);
                }
                let _ = s.write_all(b"ok").await;
            });
        }
    });
    if reset {
        sim::fault(Fault::Reset(sim::current_host(), db));
    }
    ready_rx.await.unwrap();
    let request_id = 42u64;
    loop {
        let attempt = async {
            let mut c = TcpStream::connect("db:7000").await?;
            c.write_all(&request_id.to_be_bytes()).await?;
            let mut ok = [0u8; 2];
            c.read_exact(&mut ok).await?;
            Ok::<_, std::io::Error>(ok)
        };
        match attempt.await {
            Ok(ok) => {
                assert_eq!(&ok, b"ok");
                break;
            }
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof
                ),
                "{e}"
            ),
        }
    }
    let n = count.load(Ordering::SeqCst);
    assert_eq!(n, 1, "the request was applied {n} times");
}

#[test]
fn a_retry_that_double_applies_is_found_only_with_a_reset_and_dedup_fixes_it() {
    // No fault: every schedule passes.
    check(|| counter_service(false, false), random(200));
    let dir = trace_dir("reset");
    let reset = || counter_service(false, true);
    let msg = bug_report(random(500).trace_dir(&dir), reset);
    assert!(msg.contains("applied 2 times"), "{msg}");
    assert!(
        msg.contains("net: reset 1 connection(s) main - db"),
        "{msg}"
    );
    assert!(msg.contains("net.fault"), "{msg}");
    let failure = coyote_harness::replay(reset, written_trace(&dir));
    assert!(
        failure.message.contains("applied 2 times"),
        "{}",
        failure.message
    );
    check(|| counter_service(true, true), random(500));
}

/// A primary replicates a write to a replica over UDP, then waits until the replica has it.
/// Fire-and-forget (the bug) loses it when the datagram crosses a partition, and the wait never
/// ends; the fix retransmits until the replica acknowledges.
async fn replicate(retransmit: bool, partition: bool) {
    let replica = sim::host("replica");
    let (stored, mut value) = sync::watch::channel(0u64);
    let (ready_tx, ready_rx) = sync::oneshot::channel();
    replica.spawn(async move {
        let sock = UdpSocket::bind("0.0.0.0:9000").await.unwrap();
        ready_tx.send(()).unwrap();
        let mut buf = [0u8; 8];
        loop {
            let (n, from) = sock.recv_from(&mut buf).await.unwrap();
            assert_eq!(n, 8);
            stored.send_replace(u64::from_be_bytes(buf));
            sock.send_to(b"ack", from).await.unwrap();
        }
    });
    ready_rx.await.unwrap();
    if partition {
        sim::fault(Fault::Partition(sim::current_host(), replica));
    }
    let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    sock.connect("replica:9000").await.unwrap();
    loop {
        sock.send(&7u64.to_be_bytes()).await.unwrap();
        if !retransmit {
            break;
        }
        let mut ack = [0u8; 3];
        if let Ok(Ok(_)) = time::timeout(Duration::from_millis(20), sock.recv(&mut ack)).await {
            break;
        }
    }
    value.wait_for(|v| *v == 7).await.unwrap();
}

#[test]
fn a_lost_datagram_is_found_only_with_a_partition_and_retransmission_fixes_it() {
    check(|| replicate(false, false), random(200));
    let msg = bug_report(random(500), || replicate(false, true));
    assert!(msg.contains("deadlock"), "{msg}");
    assert!(msg.contains("watch.wait_for"), "{msg}");
    assert!(msg.contains("net: partition main | replica"), "{msg}");
    check(|| replicate(true, true), random(500));
}

/// A key-value host keeps its data in its durable store: a crash stops its tasks and resets its
/// connections, a restart runs its boot function again and finds the store as it was; what it
/// kept in memory is gone.
#[test]
fn a_crash_stops_the_hosts_tasks_and_a_restart_keeps_its_store() {
    check(
        || async {
            let kv = sim::host("kv");
            let boots = Arc::new(AtomicU64::new(0));
            let b = boots.clone();
            kv.boot(move || {
                let b = b.clone();
                async move {
                    let boot = b.fetch_add(1, Ordering::SeqCst) + 1;
                    let store = sim::store();
                    let listener = TcpListener::bind("0.0.0.0:6379").await.unwrap();
                    loop {
                        let (mut s, _) = listener.accept().await.unwrap();
                        let mut cmd = [0u8; 1];
                        s.read_exact(&mut cmd).await.unwrap();
                        if cmd[0] == b'w' {
                            store.put("x", boot);
                        }
                        let x = store.get::<u64>("x").unwrap_or(0);
                        s.write_all(&[x as u8]).await.unwrap();
                    }
                }
            });
            let request = |cmd: u8| async move {
                loop {
                    match TcpStream::connect("kv:6379").await {
                        Ok(mut c) => {
                            c.write_all(&[cmd]).await.unwrap();
                            let mut r = [0u8; 1];
                            c.read_exact(&mut r).await.unwrap();
                            return r[0];
                        }
                        Err(e) => {
                            assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
                            task::yield_now().await;
                        }
                    }
                }
            };
            assert_eq!(request(b'w').await, 1);
            let mut idle = TcpStream::connect("kv:6379").await.unwrap();
            kv.crash();
            assert!(!kv.is_up());
            let mut buf = [0u8; 1];
            let err = idle.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset);
            let err = TcpStream::connect("kv:6379").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
            kv.restart();
            // The second boot reads what the first one stored.
            assert_eq!(request(b'r').await, 1);
            assert_eq!(boots.load(Ordering::SeqCst), 2);
            assert_eq!(kv.store().get::<u64>("x"), Some(1));
        },
        random(100),
    );
}

#[test]
fn refused_in_use_eof_and_names_behave_as_the_os_does() {
    check(
        || async {
            let err = TcpStream::connect("127.0.0.1:1").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
            let a = TcpListener::bind("127.0.0.1:8080").await.unwrap();
            let err = TcpListener::bind("0.0.0.0:8080").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse);
            let err = TcpListener::bind("10.9.9.9:0").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrNotAvailable);
            // A listener on loopback is not reachable from another host.
            let other = sim::host("other");
            other
                .spawn(async {
                    let err = TcpStream::connect("main:8080").await.unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
                })
                .await
                .unwrap();
            // EOF when the peer closes; the first write after it succeeds, the next fails.
            let mut c = TcpStream::connect("localhost:8080").await.unwrap();
            let (s, _) = a.accept().await.unwrap();
            drop(s);
            let mut buf = [0u8; 4];
            assert_eq!(c.read(&mut buf).await.unwrap(), 0);
            c.write_all(b"x").await.unwrap();
            let err = c.write_all(b"y").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            drop(a);
            TcpListener::bind("127.0.0.1:8080")
                .await
                .expect("the port is free again");
            let ips: Vec<_> = lookup_host("other:1").await.unwrap().collect();
            assert_eq!(ips, vec!["10.0.0.2:1".parse().unwrap()]);
            assert!(lookup_host("nowhere:1").await.is_err());
            assert!(TcpStream::connect("nowhere:80").await.is_err());
        },
        random(30),
    );
}

/// A link delay holds bytes for virtual time; halves of a split stream work concurrently.
#[test]
fn a_delayed_link_delivers_later_and_split_halves_work() {
    check(
        || async {
            let far = sim::host("far");
            sim::set_delay(sim::current_host(), far, Duration::from_millis(50));
            let (tx, rx) = sync::oneshot::channel();
            far.spawn(async move {
                let l = TcpListener::bind("0.0.0.0:1").await.unwrap();
                tx.send(()).unwrap();
                let (s, _) = l.accept().await.unwrap();
                let (mut r, mut w) = s.into_split();
                // An echo loop (tokio::io::copy spends tokio's cooperative budget, which the
                // harness reports as real tokio; coyote-tokio's io::copy does not).
                let mut buf = [0u8; 64];
                loop {
                    let n = r.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    w.write_all(&buf[..n]).await.unwrap();
                }
            });
            rx.await.unwrap();
            let mut c = TcpStream::connect("far:1").await.unwrap();
            let start = time::now();
            let (mut r, mut w) = c.split();
            let (wrote, read) = tokio::join!(
                async {
                    w.write_all(b"ping").await.unwrap();
                    w.shutdown().await.unwrap();
                },
                async {
                    let mut back = Vec::new();
                    r.read_to_end(&mut back).await.unwrap();
                    back
                }
            );
            let () = wrote;
            assert_eq!(read, b"ping");
            assert!(
                time::now() - start >= Duration::from_millis(100),
                "a round trip"
            );
        },
        random(50),
    );
}

/// A key-value host that acknowledges a write before a background flusher persists it (the
/// bug) loses an acknowledged write when it crashes in between; persisting before the
/// acknowledgement (the fix) keeps it across the crash and restart.
async fn durable_kv(persist_before_ack: bool, crash: bool) {
    let kv = sim::host("kv");
    kv.boot(move || async move {
        let store = sim::store();
        let mem = Arc::new(AtomicU64::new(store.get::<u64>("x").unwrap_or(0)));
        if !persist_before_ack {
            let m = mem.clone();
            task::spawn(async move {
                loop {
                    time::sleep(Duration::from_millis(10)).await;
                    store.put("x", m.load(Ordering::SeqCst));
                }
            });
        }
        let listener = TcpListener::bind("0.0.0.0:6379").await.unwrap();
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let mem = mem.clone();
            task::spawn(async move {
                let mut cmd = [0u8; 2];
                if s.read_exact(&mut cmd).await.is_err() {
                    return;
                }
                if cmd[0] == b'w' {
                    mem.store(cmd[1] as u64, Ordering::SeqCst);
                    if persist_before_ack {
                        store.put("x", cmd[1] as u64);
                    }
                }
                let _ = s.write_all(&[mem.load(Ordering::SeqCst) as u8]).await;
            });
        }
    });
    if crash {
        sim::fault(Fault::Crash(kv));
    }
    let request = |cmd: [u8; 2]| async move {
        loop {
            let attempt = async {
                let mut c = TcpStream::connect("kv:6379").await?;
                c.write_all(&cmd).await?;
                let mut r = [0u8; 1];
                c.read_exact(&mut r).await?;
                Ok::<_, std::io::Error>(r[0])
            };
            match attempt.await {
                Ok(r) => return r,
                Err(_) => task::yield_now().await,
            }
        }
    };
    assert_eq!(request([b'w', 5]).await, 5);
    let x = request([b'r', 0]).await;
    assert_eq!(x, 5, "an acknowledged write was lost: read {x}");
}

#[test]
fn an_ack_before_persisting_loses_a_write_only_in_a_crash_and_persisting_first_fixes_it() {
    check(|| durable_kv(false, false), random(200));
    let msg = bug_report(random(1000), || durable_kv(false, true));
    assert!(msg.contains("an acknowledged write was lost"), "{msg}");
    assert!(msg.contains("net: crash kv"), "{msg}");
    assert!(msg.contains("net: restart kv"), "{msg}");
    check(|| durable_kv(true, true), random(500));
}

/// Every network type can move into a spawned task (as tokio's can).
#[test]
fn network_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<TcpListener>();
    send_sync::<TcpStream>();
    send_sync::<UdpSocket>();
    send_sync::<coyote_harness::net::tcp::OwnedReadHalf>();
    send_sync::<coyote_harness::net::tcp::OwnedWriteHalf>();
    send_sync::<coyote_harness::net::tcp::ReadHalf<'static>>();
    send_sync::<coyote_harness::net::tcp::WriteHalf<'static>>();
    send_sync::<sim::Host>();
    send_sync::<sim::Store>();
}
