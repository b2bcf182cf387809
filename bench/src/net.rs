//! Test-mode throughput of the simulated network (`coyote_harness::net`): one echo program
//! (a client sends [`MESSAGES`] messages of [`MESSAGE_BYTES`] bytes, a server task echoes each,
//! the client reads it back and checks it) run under `coyote_harness::check` with `random`, one
//! worker, over
//!
//! * a simulated `TcpStream` (every read and write a scheduling point, partial reads and writes
//!   explored: the default),
//! * the same with partial I/O off (`net::sim::partial_io(false)`): scheduling points only,
//! * the same program over an in-memory `tokio::io::duplex` pair on a raw tokio current-thread
//!   runtime (no exploration: what the program costs without coyote),
//!
//! in interleaved samples of the same run. The figure is messages per second (round trips).
//! The duplex pair cannot run under `check` (the harness reports the real tokio crate inside a
//! controlled test as a bug: its pipe spends tokio's coop budget), so it runs on tokio itself.

use crate::measure::{calibrate, median, range, time, Sample};
use coyote_harness::net::{sim, TcpListener, TcpStream};
use coyote_harness::{check, task, Config};
use std::fmt::Write as _;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Round trips per iteration.
pub(crate) const MESSAGES: usize = 100;
/// Bytes per message.
pub(crate) const MESSAGE_BYTES: usize = 64;

async fn serve(mut s: impl AsyncRead + AsyncWrite + Unpin) {
    let mut buf = [0u8; MESSAGE_BYTES];
    while s.read_exact(&mut buf).await.is_ok() {
        s.write_all(&buf).await.unwrap();
    }
}

async fn client(mut c: impl AsyncRead + AsyncWrite + Unpin) {
    let mut msg = [0u8; MESSAGE_BYTES];
    let mut back = [0u8; MESSAGE_BYTES];
    for i in 0..MESSAGES {
        msg[0] = i as u8;
        c.write_all(&msg).await.unwrap();
        c.read_exact(&mut back).await.unwrap();
        assert_eq!(back, msg);
    }
}

async fn over_sim(partial: bool) {
    sim::partial_io(partial);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = task::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        serve(s).await;
    });
    client(TcpStream::connect(addr).await.unwrap()).await;
    server.await.unwrap();
}

fn config(iterations: u64) -> Config {
    Config::new()
        .iterations(iterations)
        .strategy("random")
        .seed(1)
        .max_steps(1_000_000)
}

fn sim_partial(n: u64) -> Option<u64> {
    check(|| over_sim(true), config(n));
    None
}

fn sim_whole(n: u64) -> Option<u64> {
    check(|| over_sim(false), config(n));
    None
}

/// `n` runs of the echo over a `tokio::io::duplex` pair on a raw tokio current-thread runtime.
fn duplex_raw(n: u64) -> Option<u64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    for _ in 0..n {
        rt.block_on(async {
            let (a, b) = tokio::io::duplex(4 * MESSAGE_BYTES);
            let server = tokio::spawn(serve(b));
            client(a).await;
            server.abort();
        });
    }
    None
}

/// A transport's name and its timed run (iterations -> steps).
type Transport = (&'static str, fn(u64) -> Option<u64>);

fn msgs_per_sec(s: &Sample) -> f64 {
    s.per_sec() * MESSAGES as f64
}

/// Measures the three transports in `k` interleaved samples of about `per_sample` each and
/// appends the section to `t`.
pub(crate) fn append(t: &mut String, per_sample: Duration, k: usize) {
    eprintln!("simulated network (test mode): echo over net::TcpStream ...");
    let probe = Duration::from_millis(150);
    let runs: [Transport; 3] = [
        (
            "simulated `TcpStream` (partial reads/writes explored)",
            sim_partial,
        ),
        ("simulated `TcpStream`, `sim::partial_io(false)`", sim_whole),
        (
            "`tokio::io::duplex` on raw tokio (no exploration)",
            duplex_raw,
        ),
    ];
    let ns: Vec<u64> = runs
        .iter()
        .map(|(_, f)| calibrate(4, probe, per_sample, |n| time(n, f)))
        .collect();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); runs.len()];
    for _ in 0..k {
        for (i, (_, f)) in runs.iter().enumerate() {
            samples[i].push(time(ns[i], f));
        }
    }
    let rates: Vec<f64> = samples
        .iter()
        .map(|s| median(s.iter().map(msgs_per_sec).collect()))
        .collect();
    let _ = writeln!(
        t,
        "## Simulated network throughput (test mode, one worker)\n"
    );
    let _ = writeln!(
        t,
        "One iteration: bind, accept, connect, then {MESSAGES} echo round trips of {MESSAGE_BYTES}-byte messages (`write_all`, `read_exact`, checked), under `check` with `random`, seed 1. Medians of {k} interleaved samples of ~{:.1} s each.\n",
        per_sample.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| transport | messages/s (median) | min..max | messages per CPU-s | iterations/s | vs `partial_io(false)` |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---:|---:|");
    for (i, (name, _)) in runs.iter().enumerate() {
        let (lo, hi) = range(&samples[i].iter().map(msgs_per_sec).collect::<Vec<_>>());
        let cpu = median(
            samples[i]
                .iter()
                .map(|s| s.per_cpu_sec() * MESSAGES as f64)
                .collect(),
        );
        let _ = writeln!(
            t,
            "| {name} | {} | {}..{} | {} | {} | {:.2}x |",
            crate::fmt_rate(rates[i]),
            crate::fmt_rate(lo),
            crate::fmt_rate(hi),
            crate::fmt_rate(cpu),
            crate::fmt_rate(rates[i] / MESSAGES as f64),
            rates[i] / rates[1]
        );
        eprintln!("  {name}: {} messages/s", crate::fmt_rate(rates[i]));
    }
    let _ = writeln!(
        t,
        "\nOver the simulated network every read and write is a scheduling point (and, by default, a declared choice of how many bytes move), so the strategy interleaves the client and the server at every message; with `partial_io(false)` each read and write moves the whole buffer, so the difference is the cost of the declared partial-I/O choices. The duplex row is the same program on tokio itself, unexplored: what a scheduling point per read and write costs on top (the duplex pair cannot run in a controlled test, where the harness reports the real tokio crate).\n"
    );
}

/// `--only NAME N`: one transport's `N` iterations (`net-sim`, `net-whole`, `net-duplex`).
pub(crate) fn by_name(name: &str) -> Option<fn(u64)> {
    Some(match name {
        "net-sim" => |n| {
            let _ = sim_partial(n);
        },
        "net-whole" => |n| {
            let _ = sim_whole(n);
        },
        "net-duplex" => |n| {
            let _ = duplex_raw(n);
        },
        _ => return None,
    })
}
