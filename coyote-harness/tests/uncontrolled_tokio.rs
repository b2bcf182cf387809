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
