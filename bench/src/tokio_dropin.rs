//! The drop-in `coyote-tokio` in production against raw tokio: the benchmark program written
//! with the drop-in's paths, and a TCP echo over loopback (a client sends `MESSAGES` messages of
//! `MESSAGE` bytes to an echo server and reads each back), each on a current-thread runtime.
//!
//! `--only dropin-prod N`, `tokio-prod N`, `dropin-echo N`, `tokio-echo N` run one of them N
//! times (for callgrind); [`measure`] interleaves each pair and returns the lines to print.

use crate::programs::{EXPECTED, ROUNDS, TASKS};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Echo messages per run.
pub(crate) const MESSAGES: usize = 64;
/// Bytes per echo message.
pub(crate) const MESSAGE: usize = 64;

/// The benchmark program through the drop-in (`tokio::{spawn, sync::Mutex, task::yield_now}`
/// under the package rename).
pub(crate) async fn dropin_program() {
    use coyote_tokio as tokio;
    use tokio::sync::Mutex;
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let counter = counter.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..ROUNDS {
                let mut guard = counter.lock().await;
                *guard += 1;
                drop(guard);
                tokio::task::yield_now().await;
            }
        }));
    }
    for h in handles {
        h.await.expect("task finished");
    }
    assert_eq!(*counter.lock().await, EXPECTED);
}

/// Defines an echo run over one crate's `net`, `io` and `spawn`.
macro_rules! echo {
    ($name:ident, $tokio:ident) => {
        /// One echo run over loopback TCP.
        pub(crate) async fn $name() {
            use $tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = $tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = $tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; MESSAGE];
                for _ in 0..MESSAGES {
                    s.read_exact(&mut buf).await.unwrap();
                    s.write_all(&buf).await.unwrap();
                }
            });
            let mut c = $tokio::net::TcpStream::connect(addr).await.unwrap();
            let out = [7u8; MESSAGE];
            let mut back = [0u8; MESSAGE];
            for _ in 0..MESSAGES {
                c.write_all(&out).await.unwrap();
                c.read_exact(&mut back).await.unwrap();
            }
            assert_eq!(back, out);
            server.await.unwrap();
        }
    };
}

echo!(echo_dropin, coyote_tokio);
echo!(echo_tokio, tokio);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Which program `--only` runs.
pub(crate) fn by_name(name: &str) -> Option<fn(u64)> {
    Some(match name {
        "dropin-prod" => |n| runs(n, dropin_program),
        "tokio-prod" => |n| runs(n, crate::programs::tokio_program),
        "dropin-echo" => |n| runs(n, echo_dropin),
        "tokio-echo" => |n| runs(n, echo_tokio),
        _ => return None,
    })
}

/// `n` runs of `program`, each `block_on`'d on one current-thread runtime.
fn runs<F: std::future::Future<Output = ()>>(n: u64, program: fn() -> F) {
    assert!(!coyote_harness::is_test_mode());
    let rt = runtime();
    for _ in 0..n {
        rt.block_on(program());
    }
}

/// Wall time per run of `f` over `n` runs.
fn per_run(n: u64, f: fn(u64)) -> Duration {
    let t = Instant::now();
    f(n);
    t.elapsed() / n as u32
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Interleaved medians of the two pairs, `samples` samples each; one line per pair.
pub(crate) fn measure(samples: usize) -> Vec<String> {
    let pairs = [
        ("bench program", "dropin-prod", "tokio-prod", 2000),
        ("TCP echo, 64 x 64 B", "dropin-echo", "tokio-echo", 200),
    ];
    pairs
        .iter()
        .map(|&(what, a, b, n)| {
            let (fa, fb) = (by_name(a).unwrap(), by_name(b).unwrap());
            per_run(n / 10, fa);
            per_run(n / 10, fb);
            let (mut da, mut db) = (Vec::new(), Vec::new());
            for _ in 0..samples.max(3) {
                da.push(per_run(n, fa));
                db.push(per_run(n, fb));
            }
            let (ma, mb) = (median(da), median(db));
            format!(
                "| {what} | {:.1} µs | {:.1} µs | {:+.1}% |",
                ma.as_secs_f64() * 1e6,
                mb.as_secs_f64() * 1e6,
                (ma.as_secs_f64() / mb.as_secs_f64() - 1.0) * 100.0
            )
        })
        .collect()
}
