//! The real tokio crate used inside a controlled test (not the drop-in, not the harness) is never
//! silent: `check` reports it as an `uncontrolled` bug naming tokio, with the hint to use the
//! drop-in, at the user's line where it can tell.

mod common;

use common::bug_report;
use coyote_harness::{check, task, Config};
use std::sync::Arc;
use std::time::Duration;

/// The line of this file where `code` first appears.
fn line_of(code: &str) -> usize {
    include_str!("uncontrolled_tokio.rs")
        .lines()
        .position(|l| l.contains(code))
        .expect("in this file")
        + 1
}

/// The lost update of the issue, written with `tokio::sync::Mutex`: read under one lock, write
/// under another. Under the harness's `sync::Mutex` it is found at once; with tokio's it used
/// to pass every iteration ("0 bugs").
async fn lost_update_with_real_tokio() {
    let m = Arc::new(tokio::sync::Mutex::new(0));
    let m2 = m.clone();
    let t = task::spawn(async move {
        let v = *m2.lock().await;
        *m2.lock().await = v + 1;
    });
    let v = *m.lock().await;
    *m.lock().await = v + 1;
    t.await.unwrap();
    assert_eq!(*m.lock().await, 2);
}

#[test]
fn a_real_tokio_mutex_is_reported_as_uncontrolled_at_the_users_line() {
    let msg = bug_report(Config::new().iterations(100), lost_update_with_real_tokio);
    assert!(msg.contains("uncontrolled"), "{msg}");
    assert!(msg.contains("real tokio crate"), "{msg}");
    assert!(
        msg.contains("coyote-tokio"),
        "the hint names the drop-in: {msg}"
    );
    assert!(!msg.contains("clock"), "tokio, not the clock: {msg}");
    // The second lock of a poll is where tokio's budget shows the use (see rt/coop.rs).
    let at = format!(
        "tests/uncontrolled_tokio.rs:{}:",
        line_of("*m.lock().await = v + 1;")
    );
    assert!(msg.contains(&at), "the user's line {at}: {msg}");
}

/// A single real tokio operation in a step (no second one to show the line) is still
/// reported, naming where the step began.
#[test]
fn one_real_tokio_operation_is_reported_with_where_its_step_began() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        tx.send(1).unwrap();
        assert_eq!(rx.await.unwrap(), 1);
        task::yield_now().await;
    });
    assert!(
        msg.contains("uncontrolled") && msg.contains("real tokio crate"),
        "{msg}"
    );
    assert!(msg.contains("in the code it ran from"), "{msg}");
}

/// `tokio::time::sleep` needs a tokio runtime: reported as the real tokio crate, at the
/// user's line (tokio's `#[track_caller]`), not as a panic or the clock.
#[test]
fn real_tokio_time_is_reported_as_uncontrolled_tokio() {
    let msg = bug_report(Config::new().iterations(10), || async {
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
    assert!(msg.contains("uncontrolled"), "{msg}");
    assert!(msg.contains("real tokio crate"), "{msg}");
    assert!(msg.contains("coyote-tokio"), "{msg}");
    let at = format!(
        "tests/uncontrolled_tokio.rs:{}:",
        line_of("tokio::time::sleep(")
    );
    assert!(msg.contains(&at), "the user's line {at}: {msg}");
}

/// The harness's primitives (which wrap tokio's) and tokio items that take no budget
/// (`tokio::select!`, `tokio::pin!`, `tokio::join!`) are not reported.
#[test]
fn the_harness_primitives_and_tokio_macros_are_not_reported() {
    check(
        || async {
            let m = Arc::new(coyote_harness::sync::Mutex::new(0));
            let (tx, mut rx) = coyote_harness::sync::mpsc::channel(1);
            let m2 = m.clone();
            let t = task::spawn(async move {
                *m2.lock().await += 1;
                tx.send(1).await.unwrap();
            });
            let (a, b) = tokio::join!(async { *m.lock().await }, async { 1 });
            assert!(a <= 1 && b == 1);
            tokio::select! {
                v = rx.recv() => assert_eq!(v, Some(1)),
            }
            t.await.unwrap();
        },
        Config::new().iterations(200),
    );
}

/// Asserts `msg` reports the real tokio crate as an `uncontrolled` bug with the drop-in's
/// hint, not the clock and not a deadlock.
fn assert_real_tokio(msg: &str) {
    assert!(msg.contains("uncontrolled"), "{msg}");
    assert!(msg.contains("real tokio crate"), "{msg}");
    assert!(
        msg.contains("coyote-tokio"),
        "the hint names the drop-in: {msg}"
    );
    assert!(!msg.contains("clock"), "tokio, not the clock: {msg}");
    assert!(!msg.contains("): deadlock:"), "{msg}");
}

/// The user's line `code` is on, as reports print it.
fn at(code: &str) -> String {
    format!("tests/uncontrolled_tokio.rs:{}:", line_of(code))
}

/// A real `tokio::sync::Notify` takes no budget: its wait is seen as a task that returned
/// `Pending` on nothing coyote controls, and its wake as coming from inside tokio, at the
/// line that notified.
#[test]
fn a_real_tokio_notify_is_reported_at_the_line_that_notified() {
    let msg = bug_report(Config::new().iterations(100), || async {
        let n = Arc::new(tokio::sync::Notify::new());
        let n2 = n.clone();
        let t = task::spawn(async move {
            n2.notify_one(); // the notifier
        });
        n.notified().await;
        t.await.unwrap();
    });
    assert_real_tokio(&msg);
    assert!(
        msg.contains("tokio::sync::notify::Notify::notify_one"),
        "{msg}"
    );
    assert!(
        msg.contains(&at("n2.notify_one(); // the notifier")),
        "{msg}"
    );
}

#[test]
fn a_real_tokio_watch_is_reported_at_the_line_that_sent() {
    let msg = bug_report(Config::new().iterations(100), || async {
        let (tx, mut rx) = tokio::sync::watch::channel(0);
        let t = task::spawn(async move {
            tx.send(1).unwrap(); // the watch sender
        });
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 1);
        t.await.unwrap();
    });
    assert_real_tokio(&msg);
    assert!(
        msg.contains(&at("tx.send(1).unwrap(); // the watch sender")),
        "{msg}"
    );
}

#[test]
fn a_real_tokio_broadcast_is_reported_at_the_line_that_sent() {
    let msg = bug_report(Config::new().iterations(100), || async {
        let (tx, mut rx) = tokio::sync::broadcast::channel(4);
        let t = task::spawn(async move {
            tx.send(1).unwrap(); // the broadcast sender
        });
        let _ = rx.recv().await;
        t.await.unwrap();
    });
    assert_real_tokio(&msg);
    assert!(
        msg.contains(&at("tx.send(1).unwrap(); // the broadcast sender")),
        "{msg}"
    );
}

/// `tokio::sync::Barrier` waits on a `watch` inside tokio: the wake comes from tokio's
/// barrier, at the line of the last task to arrive.
#[test]
fn a_real_tokio_barrier_is_reported() {
    let msg = bug_report(Config::new().iterations(100), || async {
        let b = Arc::new(tokio::sync::Barrier::new(2));
        let b2 = b.clone();
        let t = task::spawn(async move {
            b2.wait().await;
        });
        b.wait().await;
        t.await.unwrap();
    });
    assert_real_tokio(&msg);
}

/// A wait on a real tokio primitive that nothing can wake is the real tokio crate, named,
/// not a deadlock of controlled operations.
#[test]
fn a_real_tokio_notify_never_notified_is_reported_as_tokio() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let n = tokio::sync::Notify::new();
        task::yield_now().await; // before the wait
        n.notified().await;
    });
    assert_real_tokio(&msg);
    assert!(msg.contains("tokio::sync::notify::Notified"), "{msg}");
    assert!(
        msg.contains(&at("task::yield_now().await; // before the wait")),
        "{msg}"
    );
}

/// The primitives that count tokio's budget, each in a controlled test with two tasks: never
/// "0 bugs".
#[test]
fn real_tokio_oneshot_rwlock_semaphore_and_mutex_are_reported() {
    let oneshot = bug_report(Config::new().iterations(100), || async {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let t = task::spawn(async move {
            tx.send(1).unwrap();
        });
        assert_eq!(rx.await.unwrap(), 1);
        t.await.unwrap();
    });
    assert_real_tokio(&oneshot);
    let rwlock = bug_report(Config::new().iterations(100), || async {
        let l = Arc::new(tokio::sync::RwLock::new(0));
        let l2 = l.clone();
        let t = task::spawn(async move {
            *l2.write().await += 1;
        });
        let v = *l.read().await;
        assert!(v <= 1);
        t.await.unwrap();
    });
    assert_real_tokio(&rwlock);
    let semaphore = bug_report(Config::new().iterations(100), || async {
        let s = Arc::new(tokio::sync::Semaphore::new(1));
        let s2 = s.clone();
        let t = task::spawn(async move {
            let _p = s2.acquire().await.unwrap();
        });
        drop(s.acquire().await.unwrap());
        t.await.unwrap();
    });
    assert_real_tokio(&semaphore);
    let mutex = bug_report(Config::new().iterations(100), || async {
        let m = Arc::new(tokio::sync::Mutex::new(0));
        let m2 = m.clone();
        let t = task::spawn(async move {
            *m2.lock().await += 1;
        });
        *m.lock().await += 1;
        t.await.unwrap();
    });
    assert_real_tokio(&mutex);
}

/// `tokio::net` needs tokio's reactor: reported as the real tokio crate, not a panic.
#[test]
fn a_real_tokio_tcp_listener_is_reported() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await;
        drop(l);
    });
    assert_real_tokio(&msg);
}

/// A future of another crate that coyote does not control, woken by a controlled task, is not
/// taken for tokio (a hand-made one here): no false report.
#[test]
fn a_hand_made_future_woken_by_a_controlled_task_is_not_reported() {
    use std::sync::Mutex;
    use std::task::{Poll, Waker};
    check(
        || async {
            let slot: Arc<Mutex<(bool, Option<Waker>)>> = Arc::new(Mutex::new((false, None)));
            let s2 = slot.clone();
            let t = task::spawn(async move {
                let w = {
                    let mut s = s2.lock().unwrap();
                    s.0 = true;
                    s.1.take()
                };
                if let Some(w) = w {
                    w.wake();
                }
            });
            std::future::poll_fn(|cx| {
                let mut s = slot.lock().unwrap();
                if s.0 {
                    Poll::Ready(())
                } else {
                    s.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await;
            t.await.unwrap();
        },
        Config::new().iterations(100),
    );
}
