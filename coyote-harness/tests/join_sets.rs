//! `task::JoinSet`, `task::spawn_blocking` and `task::AbortHandle`: the bug a user writes with
//! each is found, and its fixed form passes every schedule (`dfs`).

mod common;

use common::{dfs, panic_text};
use coyote_harness::{check, task, Config};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

static JOIN_ORDERS: Mutex<BTreeSet<Vec<u32>>> = Mutex::new(BTreeSet::new());

/// `join_next` returns tasks in the order they finished, and every order is explored.
#[test]
fn join_set_joins_in_finishing_order_and_explores_every_order() {
    JOIN_ORDERS.lock().unwrap().clear();
    check(
        || async {
            let finished = Arc::new(Mutex::new(Vec::new()));
            let mut set = task::JoinSet::new();
            for i in 0..3u32 {
                let f = finished.clone();
                set.spawn(async move {
                    task::yield_now().await;
                    f.lock().unwrap().push(i);
                    i
                });
            }
            assert_eq!(set.len(), 3);
            let mut joined = Vec::new();
            while let Some(r) = set.join_next().await {
                joined.push(r.unwrap());
            }
            assert!(set.is_empty());
            assert_eq!(
                joined,
                *finished.lock().unwrap(),
                "joined in finishing order"
            );
            JOIN_ORDERS.lock().unwrap().insert(joined);
        },
        dfs(),
    );
    assert_eq!(JOIN_ORDERS.lock().unwrap().len(), 6, "all 3! orders");
}

/// Code that assumes the first task spawned is the first joined is a bug coyote finds.
#[test]
fn assuming_spawn_order_from_a_join_set_is_found() {
    let err = std::panic::catch_unwind(|| {
        check(
            || async {
                let mut set = task::JoinSet::new();
                set.spawn(async { "primary" });
                set.spawn(async { "replica" });
                let first = set.join_next().await.unwrap().unwrap();
                assert_eq!(first, "primary", "the replica answered first");
            },
            Config::new().iterations(1000),
        )
    })
    .expect_err("the replica can finish first");
    assert!(panic_text(err).contains("the replica answered first"));
}

/// Dropping the set aborts its tasks (as tokio's does); `abort_all` makes `join_next` return
/// them cancelled; `shutdown` waits for all; `join_all` collects the outputs.
#[test]
fn join_set_abort_drop_shutdown_and_join_all() {
    check(
        || async {
            let ran = Arc::new(AtomicBool::new(false));
            let mut set = task::JoinSet::new();
            let r = ran.clone();
            set.spawn(async move { r.store(true, Ordering::SeqCst) });
            drop(set);
            for _ in 0..3 {
                task::yield_now().await;
            }
            assert!(!ran.load(Ordering::SeqCst), "a dropped set's task ran");

            let mut set = task::JoinSet::new();
            set.spawn(std::future::pending::<()>());
            set.spawn(std::future::pending::<()>());
            set.abort_all();
            let mut cancelled = 0;
            while let Some(r) = set.join_next().await {
                cancelled += r.unwrap_err().is_cancelled() as u32;
            }
            assert_eq!(cancelled, 2);

            let mut set = task::JoinSet::new();
            set.spawn(std::future::pending::<()>());
            set.shutdown().await;
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());

            let mut set = task::JoinSet::new();
            for i in 1..=3u32 {
                set.spawn(async move { i });
            }
            let mut all = set.join_all().await;
            all.sort();
            assert_eq!(all, [1, 2, 3]);
        },
        dfs(),
    );
}

/// Whether the blocking task had run at the spawner's next scheduling point, over all schedules.
static BLOCKING_RAN_EARLY: Mutex<BTreeSet<bool>> = Mutex::new(BTreeSet::new());

/// A `spawn_blocking` task is a controlled task: it may run before or after the spawner's next
/// step (both are explored), `is_finished` says whether it has, and its output is joined.
#[test]
fn spawn_blocking_runs_in_either_order_and_joins() {
    BLOCKING_RAN_EARLY.lock().unwrap().clear();
    check(
        || async {
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            let digest = task::spawn_blocking(move || {
                r.store(true, Ordering::SeqCst);
                (1..=5u64).product::<u64>()
            });
            task::yield_now().await;
            let early = ran.load(Ordering::SeqCst);
            assert_eq!(digest.is_finished(), early);
            BLOCKING_RAN_EARLY.lock().unwrap().insert(early);
            assert_eq!(digest.await.unwrap(), 120);
        },
        dfs(),
    );
    assert_eq!(BLOCKING_RAN_EARLY.lock().unwrap().len(), 2, "both orders");
}

/// `JoinSet::spawn` returns an `AbortHandle`: aborting through it leaves the task in the set,
/// joined as cancelled; `JoinHandle::abort_handle` does the same for a lone task.
#[test]
fn abort_handles_cancel_one_task() {
    check(
        || async {
            let mut set = task::JoinSet::new();
            let stuck = set.spawn(std::future::pending::<u32>());
            set.spawn(async { 1 });
            assert!(!stuck.is_finished());
            stuck.abort();
            assert!(stuck.is_finished());
            let (mut done, mut cancelled) = (Vec::new(), 0);
            while let Some(r) = set.join_next().await {
                match r {
                    Ok(v) => done.push(v),
                    Err(e) => cancelled += e.is_cancelled() as u32,
                }
            }
            assert_eq!((done, cancelled), (vec![1], 1));

            let lone = task::spawn(std::future::pending::<()>());
            lone.abort_handle().abort();
            assert!(lone.await.unwrap_err().is_cancelled());
        },
        dfs(),
    );
}

/// A task that aborts itself is cancelled at its next `.await` (as tokio cancels it when it
/// next yields), not run to completion; one that aborts itself and returns without waiting
/// finishes normally.
#[test]
fn a_task_that_aborts_itself_is_cancelled_at_its_next_await() {
    check(
        || async {
            let ran_on = Arc::new(AtomicBool::new(false));
            let (tx, rx) = coyote_harness::sync::oneshot::channel::<task::AbortHandle>();
            let r = ran_on.clone();
            let me = task::spawn(async move {
                let handle = rx.await.unwrap();
                handle.abort();
                // Code up to the next wait still runs, as in tokio.
                task::yield_now().await;
                r.store(true, Ordering::SeqCst);
            });
            tx.send(me.abort_handle()).unwrap();
            assert!(me.await.unwrap_err().is_cancelled());
            assert!(!ran_on.load(Ordering::SeqCst), "ran on past its abort");

            let (tx, rx) = coyote_harness::sync::oneshot::channel::<task::AbortHandle>();
            let quick = task::spawn(async move {
                rx.await.unwrap().abort();
                7
            });
            tx.send(quick.abort_handle()).unwrap();
            assert_eq!(quick.await.unwrap(), 7);
        },
        dfs(),
    );
}
