//! `sync::watch`, `sync::broadcast`, `sync::Barrier` and `mpsc`'s `recv_many`, `reserve` and
//! `closed`: the bug a user writes with each is found, its fixed form passes every schedule
//! (`dfs`), and in production each (with `task::JoinSet`, `spawn_blocking` and `AbortHandle`,
//! see `join_sets.rs`) is tokio's.

mod common;

use common::{deadlock_report, dfs, on_tokio, panic_text};

use coyote_harness::{check, sync, task, Config};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// A task subscribes to a readiness flag while the main task sets it; then it waits for the
/// flag with `changed` (the bug) or `wait_for` (the fix).
fn late_subscriber(
    fixed: bool,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let (tx, _rx) = sync::watch::channel(false);
            let tx = Arc::new(tx);
            let t2 = tx.clone();
            let waiter = task::spawn(async move {
                let mut rx = t2.subscribe();
                if fixed {
                    assert!(*rx.wait_for(|ready| *ready).await.unwrap());
                } else {
                    rx.changed().await.unwrap();
                }
            });
            task::yield_now().await;
            tx.send(true).unwrap();
            waiter.await.unwrap();
        })
    }
}

/// Subscribing after the value was sent, then waiting for `changed`, waits for ever: a deadlock
/// in the schedules where the send comes first, and the report names the wait. The fix,
/// `wait_for`, checks the current value first and passes every schedule.
#[test]
fn a_late_subscriber_waiting_for_changed_deadlocks_and_wait_for_fixes_it() {
    let err = std::panic::catch_unwind(|| check(late_subscriber(false), dfs()))
        .expect_err("the send can come before the subscription");
    let msg = panic_text(err);
    assert!(msg.contains("deadlock"), "{msg}");
    assert!(
        msg.contains("watch.changed at coyote-harness/tests/primitives.rs"),
        "{msg}"
    );
    check(late_subscriber(true), dfs());
}

/// A receiver that re-reads after every `changed` ends with the last value, and a dropped sender
/// ends a wait with an error instead of a hang.
#[test]
fn changed_never_misses_the_last_value_and_ends_with_the_sender() {
    check(
        || async {
            let (tx, mut rx) = sync::watch::channel(0);
            let reader = task::spawn(async move {
                let mut last = *rx.borrow_and_update();
                while rx.changed().await.is_ok() {
                    last = *rx.borrow_and_update();
                }
                last
            });
            tx.send(1).unwrap();
            task::yield_now().await;
            tx.send_modify(|v| *v += 1);
            drop(tx);
            assert_eq!(reader.await.unwrap(), 2);
        },
        dfs(),
    );
}

/// A receiver that falls more than the capacity behind loses messages (`Lagged`), in the
/// schedules where the sender runs ahead; with room for every message it never does.
#[test]
fn a_lagging_broadcast_receiver_is_found_and_room_fixes_it() {
    let program = |capacity: usize| {
        move || async move {
            let (tx, mut rx) = sync::broadcast::channel(capacity);
            let reader = task::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..3 {
                    got.push(rx.recv().await.expect("received every update"));
                }
                got
            });
            for i in 0..3u32 {
                tx.send(i).unwrap();
                task::yield_now().await;
            }
            assert_eq!(reader.await.unwrap(), [0, 1, 2]);
        }
    };
    let err = std::panic::catch_unwind(|| check(program(2), dfs()))
        .expect_err("the sender can run three messages ahead");
    let msg = panic_text(err);
    assert!(msg.contains("received every update: Lagged(1)"), "{msg}");
    check(program(3), dfs());
}

/// Every task passes the barrier only once all have arrived, and exactly one is the leader; a
/// round that never fills is a deadlock naming the barrier.
#[test]
fn barrier_releases_a_full_round_and_reports_a_short_one() {
    check(
        || async {
            let barrier = Arc::new(sync::Barrier::new(3));
            let arrived = Arc::new(Mutex::new(0));
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let (b, a) = (barrier.clone(), arrived.clone());
                    task::spawn(async move {
                        *a.lock().unwrap() += 1;
                        let leader = b.wait().await.is_leader();
                        assert_eq!(*a.lock().unwrap(), 3, "passed before all arrived");
                        leader
                    })
                })
                .collect();
            *arrived.lock().unwrap() += 1;
            let mut leaders = barrier.wait().await.is_leader() as u32;
            for t in tasks {
                leaders += t.await.unwrap() as u32;
            }
            assert_eq!(leaders, 1);
        },
        dfs(),
    );
    let err = std::panic::catch_unwind(|| {
        check(
            || async {
                let barrier = Arc::new(sync::Barrier::new(3));
                let b = barrier.clone();
                let t = task::spawn(async move {
                    b.wait().await;
                });
                barrier.wait().await;
                t.await.unwrap();
            },
            Config::new().iterations(10),
        )
    })
    .expect_err("two of three never pass");
    let msg = panic_text(err);
    assert!(
        msg.contains("deadlock: no task can run, 2 blocked"),
        "{msg}"
    );
    assert!(
        msg.contains("barrier.wait at coyote-harness/tests/primitives.rs"),
        "{msg}"
    );
}

/// The sizes of the batches `recv_many` returned, over all schedules.
static BATCHES: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());

/// `recv_many` takes whatever has arrived (every batching is explored); a reserved slot is
/// the sender's until it sends or drops the permit; `closed` waits for the receiver to go, and
/// a sender waiting on a receiver that never goes is a deadlock named at its line.
#[test]
fn recv_many_reserve_and_closed() {
    BATCHES.lock().unwrap().clear();
    check(
        || async {
            let (tx, mut rx) = sync::mpsc::channel(4);
            let producer = task::spawn(async move {
                for i in 0..3u32 {
                    tx.send(i).await.unwrap();
                }
            });
            let (mut got, mut buffer) = (Vec::new(), Vec::new());
            loop {
                let n = rx.recv_many(&mut buffer, 10).await;
                if n == 0 {
                    break;
                }
                BATCHES.lock().unwrap().insert(n);
                got.append(&mut buffer);
            }
            assert_eq!(got, [0, 1, 2]);
            producer.await.unwrap();

            let (tx, rx) = sync::mpsc::channel::<u32>(1);
            let permit = tx.reserve().await.unwrap();
            assert!(tx.try_send(1).is_err(), "the one slot is reserved");
            drop(permit);
            tx.try_send(2).unwrap();
            assert_eq!((rx.len(), tx.max_capacity()), (1, 1));
            drop(rx);
            tx.closed().await;
            assert!(tx.reserve().await.is_err(), "no receiver");

            let (mut reply, request) = sync::oneshot::channel::<u32>();
            let responder = task::spawn(async move { reply.closed().await });
            drop(request); // the requester gave up
            responder.await.unwrap();
        },
        Config::new().strategy("dfs").iterations(2_000),
    );
    let seen = BATCHES.lock().unwrap().clone();
    assert!(seen.contains(&1) && seen.contains(&3), "{seen:?}");

    // The receiver never goes.
    let msg = deadlock_report(|| async {
        let (tx, _rx) = sync::mpsc::channel::<()>(1);
        tx.closed().await;
    });
    assert!(
        msg.contains("mpsc.closed at coyote-harness/tests/primitives.rs"),
        "{msg}"
    );
}

/// In production they are tokio's, on a tokio runtime.
#[test]
fn in_production_they_are_tokio() {
    on_tokio(async {
        let (tx, mut rx) = sync::watch::channel(0);
        let (btx, mut brx) = sync::broadcast::channel(1);
        let barrier = Arc::new(sync::Barrier::new(2));
        let b = barrier.clone();
        let mut set = task::JoinSet::new();
        set.spawn(async move {
            b.wait().await;
            rx.wait_for(|v| *v == 7).await.map(|v| *v).unwrap()
        });
        barrier.wait().await;
        tx.send(7).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), 7);
        assert!(set.join_next().await.is_none());
        btx.send("up").unwrap();
        assert_eq!(brx.recv().await.unwrap(), "up");

        assert_eq!(task::spawn_blocking(|| 6 * 7).await.unwrap(), 42);
        let stuck = set.spawn(std::future::pending());
        stuck.abort();
        assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    });
}
