//! Actor benchmarks (issue 25's "Proof"), as one section of `RESULTS.md`:
//!
//! 1. test mode: events handled per second by a ping-pong pair of actors under
//!    `coyote_harness::check` with `random` on one thread (every send and dequeue is a
//!    scheduling decision);
//! 2. production mode: messages per second between two actors against a raw tokio pair of tasks
//!    over unbounded `mpsc` channels, interleaved in the same run, on a current-thread runtime
//!    (and, labelled, the earlier actor program whose every ping carries the reply address);
//! 3. idle actors held in memory: RSS growth for `IDLE` actors that started and wait on their
//!    inboxes (and the same for raw tokio tasks waiting on an `mpsc` receiver), in bytes each.
//!
//! Invariants: every ping-pong program (`pingpong.rs`, which states how they differ) exchanges
//! exactly `2 * ROUND_TRIPS` messages per run and checks the last one; the idle count is held
//! until it is measured and then dropped. The `--only actor-test|actor-prod|tokio-mpsc N`
//! targets run one of them for callgrind (`--only actor-prod-replyto N` the earlier one), and
//! `--only actor-idle N` (`tokio-idle N`) measures `N` idle actors (raw tokio tasks) alone.

use crate::measure::{calibrate, median, time, Sample};
use crate::pingpong::{actor_ping_pong, actor_ping_pong_reply_to, tokio_ping_pong, ROUND_TRIPS};
use coyote_harness::actor::{self, Actor, ActorRef, Context};
use std::fmt::Write as _;
use std::time::Duration;

/// Idle actors created for the memory measurement.
pub(crate) const IDLE: usize = 1_000_000;

// ----- runners (`fn(u64) -> Option<u64>`, as `--only` wants) -----

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// `iterations` of the actor pair under `check` with `random`, seed 1.
pub(crate) fn test_mode(iterations: u64) -> Option<u64> {
    coyote_harness::check(
        actor_ping_pong,
        coyote_harness::Config::new()
            .iterations(iterations)
            .strategy("random")
            .seed(1),
    );
    None
}

/// `runs` ping-pong runs on actors in production mode (a fresh current-thread runtime).
pub(crate) fn prod_actors(runs: u64) -> Option<u64> {
    crate::production::prod_runs(&runtime(), actor_ping_pong, runs)
}

/// `runs` runs of the earlier actor program (the reply address in every ping), production mode.
pub(crate) fn prod_actors_reply_to(runs: u64) -> Option<u64> {
    crate::production::prod_runs(&runtime(), actor_ping_pong_reply_to, runs)
}

/// `runs` ping-pong runs on raw tokio (a fresh current-thread runtime).
pub(crate) fn prod_tokio(runs: u64) -> Option<u64> {
    crate::production::prod_runs(&runtime(), tokio_ping_pong, runs)
}

// ----- idle actors -----

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

/// An actor that does nothing until it gets an event.
struct Idle;

impl Actor for Idle {
    type Event = ();
    async fn handle(&mut self, _ctx: &mut Context<()>, _event: ()) {}
}

/// RSS growth per idle actor, for `n` of them started and parked on their empty inboxes
/// before the measurement. Run it first in a process: memory freed before it would be reused
/// and not counted.
pub(crate) fn idle_actor_bytes(n: usize) -> f64 {
    runtime().block_on(async {
        let before = rss_bytes();
        let refs: Vec<ActorRef<()>> = (0..n).map(|_| actor::create(Idle)).collect();
        // Let every actor start and park on its empty inbox.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        let grown = rss_bytes().saturating_sub(before);
        drop(refs);
        grown as f64 / n as f64
    })
}

/// The same for raw tokio tasks parked on an unbounded `mpsc` receiver.
pub(crate) fn idle_task_bytes(n: usize) -> f64 {
    runtime().block_on(async {
        let before = rss_bytes();
        let senders: Vec<_> = (0..n)
            .map(|_| {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
                tokio::spawn(async move { while rx.recv().await.is_some() {} });
                tx
            })
            .collect();
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        let grown = rss_bytes().saturating_sub(before);
        drop(senders);
        grown as f64 / n as f64
    })
}

/// `idle_task_bytes(n)` in a fresh process (`--only tokio-idle n`), so that the memory the actors
/// freed is not reused; `NaN` if it cannot be run.
fn idle_task_bytes_apart(n: usize) -> f64 {
    let out = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .args(["--only", "tokio-idle", &n.to_string()])
            .output()
    });
    out.ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let rest = text.split("tokio-idle: ").nth(1)?.to_string();
            rest.split(" bytes").next()?.trim().parse().ok()
        })
        .unwrap_or(f64::NAN)
}

/// The `--only` targets of this file that are not timed runs: `actor-idle N` and `tokio-idle N`
/// print the RSS growth per idle actor, and per raw tokio task parked on an `mpsc` receiver,
/// for `N` of them.
pub(crate) fn by_name(name: &str) -> Option<fn(u64)> {
    Some(match name {
        "actor-idle" => |n| {
            let bytes = idle_actor_bytes(n as usize);
            println!(
                "actor-idle: {bytes:.0} bytes each of RSS growth for {n} idle actors in production mode ({:.2} GB)",
                bytes * n as f64 / 1e9
            );
        },
        "actor-prod-replyto" => |n| {
            prod_actors_reply_to(n);
        },
        "tokio-idle" => |n| {
            let bytes = idle_task_bytes(n as usize);
            println!("tokio-idle: {bytes:.0} bytes each of RSS growth for {n} raw tokio tasks parked on an unbounded mpsc receiver");
        },
        _ => return None,
    })
}

// ----- the section -----

/// Measures everything and returns the markdown section for `RESULTS.md`.
pub(crate) fn section(per_sample: Duration, k: usize) -> String {
    let probe = Duration::from_millis(150);
    eprintln!("actors: ping-pong of {ROUND_TRIPS} round trips; test mode, then production vs raw tokio ...");
    let n_test = calibrate(4, probe, per_sample, |n| time(n, test_mode));
    let n_act = calibrate(16, probe, per_sample, |n| time(n, prod_actors));
    let n_tok = calibrate(16, probe, per_sample, |n| time(n, prod_tokio));
    let n_reply = calibrate(16, probe, per_sample, |n| time(n, prod_actors_reply_to));
    let (mut test, mut act, mut tok, mut reply) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..(2 * k + 1) {
        test.push(time(n_test, test_mode));
        act.push(time(n_act, prod_actors));
        tok.push(time(n_tok, prod_tokio));
        reply.push(time(n_reply, prod_actors_reply_to));
    }
    let msgs = 2.0 * ROUND_TRIPS as f64;
    let rate = |v: &[Sample], cpu: bool| {
        median(
            v.iter()
                .map(|s| {
                    let secs = if cpu { s.cpu } else { s.wall }.as_secs_f64().max(1e-9);
                    s.iters as f64 * msgs / secs
                })
                .collect(),
        )
    };
    eprintln!("actors: {IDLE} idle actors, then {IDLE} idle tokio tasks ...");
    let actor_bytes = idle_actor_bytes(IDLE);
    let task_bytes = idle_task_bytes_apart(IDLE);

    let mut t = String::new();
    let _ = writeln!(t, "## Actors\n");
    let _ = writeln!(
        t,
        "Ping-pong: two actors exchange {ROUND_TRIPS} round trips ({} messages) per run; medians of {} interleaved samples.\n",
        2 * ROUND_TRIPS,
        2 * k + 1
    );
    let _ = writeln!(t, "| what | messages/s (wall) | messages/s (thread CPU) |");
    let _ = writeln!(t, "|---|---:|---:|");
    for (name, v) in [
        (
            "test mode: `check`, `random`, one thread (events handled/s)",
            &test,
        ),
        ("production: coyote-harness actors, current_thread", &act),
        (
            "production: raw tokio tasks + unbounded mpsc, current_thread",
            &tok,
        ),
        (
            "production: actors, the reply address in every ping (earlier program)",
            &reply,
        ),
    ] {
        let _ = writeln!(
            t,
            "| {name} | {} | {} |",
            crate::fmt_rate(rate(v, false)),
            crate::fmt_rate(rate(v, true))
        );
    }
    let ratio = rate(&tok, true) / rate(&act, true);
    let verdict = if ratio <= 1.05 {
        "goal met"
    } else {
        "goal NOT met"
    };
    let _ = writeln!(
        t,
        "\n**Actors vs raw tokio (production, thread CPU): {ratio:.3}x the time per message ({:+.1}%; goal <= 5% slower)** — {verdict}\n",
        (ratio - 1.0) * 100.0
    );
    let _ = writeln!(
        t,
        "Idle actors: {} created and parked on their empty inboxes: **{actor_bytes:.0} bytes each** of RSS growth (raw tokio task parked on an unbounded mpsc receiver: {task_bytes:.0} bytes each); {:.2} GB for the million.\n",
        crate::fmt_rate(IDLE as f64),
        actor_bytes * IDLE as f64 / 1e9
    );
    t
}
