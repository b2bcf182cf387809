//! `time::timeout` polls its future before it looks at its deadline, as tokio's does: a
//! timeout of zero (or one first polled after its deadline) around a ready operation (a free
//! lock, a free permit, a oneshot holding its value, a queued message) is `Ok`, in every
//! schedule; around an operation that must wait it is `Elapsed`.

mod common;

use common::dfs;
use coyote_harness::sync::{mpsc, oneshot, Mutex, Semaphore};
use coyote_harness::{check, task, time};
use std::future::Future;
use std::time::Duration;

/// Runs `future` on a tokio runtime with time enabled: production mode.
fn on_tokio_with_time<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(future)
}

async fn ready_operations_under_a_zero_timeout() {
    let zero = Duration::ZERO;
    let m = Mutex::new(1);
    assert_eq!(
        *time::timeout(zero, m.lock()).await.expect("a free lock"),
        1
    );
    let sem = Semaphore::new(1);
    assert!(
        time::timeout(zero, sem.acquire()).await.is_ok(),
        "a free permit"
    );
    let (tx, rx) = oneshot::channel();
    tx.send(7).unwrap();
    assert_eq!(time::timeout(zero, rx).await, Ok(Ok(7)), "a full oneshot");
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(3).await.unwrap();
    assert_eq!(time::timeout(zero, rx.recv()).await, Ok(Some(3)));
    // Two ready operations in one future: still `Ok`.
    let both = async {
        let _a = m.lock().await;
        sem.acquire().await.unwrap().forget();
    };
    assert!(time::timeout(zero, both).await.is_ok());
    // A timeout first polled after its deadline: the same.
    let late = time::timeout(Duration::from_millis(5), m.lock());
    time::sleep(Duration::from_millis(10)).await;
    assert!(late.await.is_ok(), "polled late, the ready lock still wins");
    // What must wait elapses.
    let held = m.lock().await;
    assert!(time::timeout(zero, m.lock()).await.is_err(), "a held lock");
    drop(held);
    let (_tx, rx) = oneshot::channel::<u8>();
    assert!(time::timeout(zero, rx).await.is_err(), "an empty oneshot");
}

#[test]
fn a_zero_timeout_around_a_ready_operation_is_ok_as_in_tokio() {
    check(ready_operations_under_a_zero_timeout, dfs());
    on_tokio_with_time(ready_operations_under_a_zero_timeout());
}

/// With another task racing for the lock, a zero timeout sees the lock free or held, as the
/// schedule has it: both outcomes are explored.
#[test]
fn a_zero_timeout_racing_another_task_sees_both_outcomes() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let outcomes = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let seen = outcomes.clone();
    check(
        move || {
            let seen = seen.clone();
            async move {
                let m = Arc::new(Mutex::new(()));
                let m2 = m.clone();
                let t = task::spawn(async move {
                    let _g = m2.lock().await;
                    task::yield_now().await;
                });
                let ok = time::timeout(Duration::ZERO, m.lock()).await.is_ok();
                seen[ok as usize].fetch_add(1, Ordering::Relaxed);
                t.await.unwrap();
            }
        },
        dfs(),
    );
    assert!(outcomes[0].load(Ordering::Relaxed) > 0, "held: elapsed");
    assert!(outcomes[1].load(Ordering::Relaxed) > 0, "free: ok");
}
