//! `dfs` exhausts a program with an endless `interval` loop: virtual time moves past a runnable
//! task at most once before that task runs, so the ticker cannot tick on forever while another
//! task is ready (before, every such execution ran to `max_steps` and `dfs` never finished).

mod common;

use common::{bug_report, dfs};
use coyote_harness::sync::{mpsc, Mutex};
use coyote_harness::{check, task, time};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

static RUNS: AtomicU64 = AtomicU64::new(0);

/// A background ticker that never ends, and a `main` that takes the lock twice, sleeps and
/// ends (the iteration then ends: only the ticker's timer is left).
async fn ticker_and_work(lost_update: bool) {
    RUNS.fetch_add(1, Ordering::Relaxed);
    let n = Arc::new(Mutex::new(0u32));
    let ticks = n.clone();
    let _ticker = task::spawn(async move {
        let mut every = time::interval(Duration::from_millis(10));
        loop {
            every.tick().await;
            if lost_update {
                let v = *ticks.lock().await;
                *ticks.lock().await = v + 1;
            } else {
                *ticks.lock().await += 1;
            }
        }
    });
    let before = *n.lock().await;
    time::sleep(Duration::from_millis(25)).await;
    *n.lock().await += 100;
    let after = *n.lock().await;
    assert!(after >= before + 100, "lost update: {before} then {after}");
}

#[test]
fn dfs_exhausts_a_program_with_an_endless_interval_loop() {
    RUNS.store(0, Ordering::Relaxed);
    check(
        || ticker_and_work(false),
        dfs().max_steps(500).step_bound_is_bug(true),
    );
    let runs = RUNS.load(Ordering::Relaxed);
    assert!(runs > 1 && runs < 100_000, "dfs ran {runs} iterations");
}

#[test]
fn the_lost_update_between_the_ticker_and_main_is_still_found() {
    let msg = bug_report(dfs().max_steps(500), || ticker_and_work(true));
    assert!(msg.contains("lost update"), "{msg}");
}

/// A `select!` over an interval and a channel inside the loop: exhausted too.
#[test]
fn dfs_exhausts_a_select_loop_over_an_interval() {
    check(
        || async {
            let (tx, mut rx) = mpsc::channel::<()>(1);
            let t = task::spawn(async move {
                let mut every = time::interval(Duration::from_millis(10));
                let mut ticks = 0u32;
                loop {
                    coyote_harness::select! {
                        _ = every.tick() => ticks += 1,
                        _ = rx.recv() => return ticks,
                    }
                }
            });
            time::sleep(Duration::from_millis(15)).await;
            tx.send(()).await.unwrap();
            t.await.unwrap();
        },
        dfs().max_steps(500).step_bound_is_bug(true),
    );
}
