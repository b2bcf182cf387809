//! Real tokio operations that neither wait nor (for some) take tokio's budget, each used in an
//! iteration where it is ready at once: still reported as the real tokio crate (`uncontrolled`,
//! naming tokio, at the user's line), never "0 bugs".
//!
//! `tokio::task::yield_now` is seen by the wake it makes of its own task outside a runtime
//! (tokio's `context::defer`); a queued `broadcast` message and a `watch` change received at
//! once are seen through tokio's budget (tokio wraps `recv` and `changed` in `cooperative`).
//! What stays unseen is listed in `docs/tokio-semantics.md`.

mod common;

use common::bug_report;
use coyote_harness::{check, task, Config};

/// The line of this file where `code` first appears, as reports print it.
fn at(code: &str) -> String {
    let line = include_str!("uncontrolled_tokio_ready.rs")
        .lines()
        .position(|l| l.contains(code))
        .expect("in this file")
        + 1;
    format!("tests/uncontrolled_tokio_ready.rs:{line}:")
}

/// Asserts `msg` reports the real tokio crate as an `uncontrolled` bug with the drop-in's hint.
fn assert_real_tokio(msg: &str) {
    assert!(msg.contains("uncontrolled"), "{msg}");
    assert!(msg.contains("real tokio crate"), "{msg}");
    assert!(
        msg.contains("coyote-tokio"),
        "the hint names the drop-in: {msg}"
    );
    assert!(!msg.contains("): deadlock:"), "{msg}");
}

#[test]
fn a_real_tokio_yield_now_is_reported_at_the_users_line() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let mut n = 0;
        for _ in 0..2 {
            tokio::task::yield_now().await; // the real yield
            n += 1;
        }
        assert_eq!(n, 2);
    });
    assert_real_tokio(&msg);
    assert!(
        msg.contains("tokio::task::yield_now::yield_now woke main itself"),
        "{msg}"
    );
    assert!(
        msg.contains(&at("tokio::task::yield_now().await; // the real yield")),
        "{msg}"
    );
}

/// The same in a spawned task, between two controlled operations: the task is named.
#[test]
fn a_real_tokio_yield_now_in_a_spawned_task_is_reported() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let m = std::sync::Arc::new(coyote_harness::sync::Mutex::new(0));
        let m2 = m.clone();
        let t = task::spawn(async move {
            *m2.lock().await += 1;
            tokio::task::yield_now().await; // in the spawned task
            *m2.lock().await += 1;
        });
        t.await.unwrap();
        assert_eq!(*m.lock().await, 2);
    });
    assert_real_tokio(&msg);
    assert!(msg.contains("task 1"), "{msg}");
    assert!(
        msg.contains(&at(
            "tokio::task::yield_now().await; // in the spawned task"
        )),
        "{msg}"
    );
}

#[test]
fn a_queued_real_tokio_broadcast_message_is_reported() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let (tx, mut rx) = tokio::sync::broadcast::channel(4);
        tx.send(1).unwrap();
        assert_eq!(rx.recv().await.unwrap(), 1); // a queued message
    });
    assert_real_tokio(&msg);
}

#[test]
fn a_real_tokio_watch_change_seen_at_once_is_reported() {
    let msg = bug_report(Config::new().iterations(10), || async {
        let (tx, mut rx) = tokio::sync::watch::channel(0);
        tx.send(1).unwrap();
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 1);
    });
    assert_real_tokio(&msg);
}

/// The harness's own yields, and a hand-made future that wakes its own task
/// and returns `Pending` once (as `futures`' yields do), are not the real tokio crate.
#[test]
fn controlled_and_hand_made_yields_are_not_reported() {
    struct YieldOnce(bool);
    impl std::future::Future for YieldOnce {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                return std::task::Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
    check(
        || async {
            let t = task::spawn(async {
                YieldOnce(false).await;
                task::yield_now().await;
            });
            YieldOnce(false).await;
            task::yield_now().await;
            t.await.unwrap();
        },
        Config::new().iterations(50),
    );
}
