//! Poll-once idioms (`now_or_never()`, `futures::poll!`, `tokio_test`'s `assert_ready!`) see
//! what tokio shows them: an operation that is ready on its first poll is `Ready` there (a free
//! lock, a free permit, a oneshot holding its value, a queued message), one that must wait is
//! `Pending`; and the operation is still a scheduling point, so the lost update between two
//! lock sections is still found, and its trace replays.

mod common;

use common::{bug_report, dfs};
use coyote_harness::sync::{mpsc, oneshot, Mutex, RwLock, Semaphore};
use coyote_harness::{check, task, Config};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A waker that does nothing (`Waker::noop`, newer than this crate's MSRV).
fn noop_waker() -> Waker {
    use std::task::{RawWaker, RawWakerVTable};
    fn clone(_: *const ()) -> RawWaker {
        RawWaker::new(std::ptr::null(), &VTABLE)
    }
    fn nothing(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, nothing, nothing, nothing);
    // SAFETY: the vtable never dereferences the data pointer.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// `futures::FutureExt::now_or_never`: one poll, with a waker that does nothing.
fn now_or_never<F: Future>(f: F) -> Option<F::Output> {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// `futures::poll!`: one poll with the task's own waker.
async fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *f).poll(cx))).await
}

/// A single task: the strategy always lets it go on, so every answer is tokio's.
async fn ready_operations_polled_once() {
    let m = Mutex::new(1);
    let g = now_or_never(m.lock()).expect("a free lock is Ready on its first poll");
    assert_eq!(*g, 1);
    assert!(now_or_never(m.lock()).is_none(), "a held lock is busy");
    drop(g);
    assert!(now_or_never(m.lock()).is_some(), "free again");

    let rw = RwLock::new(0);
    let r = now_or_never(rw.read()).expect("a free read lock");
    assert!(now_or_never(rw.read()).is_some(), "readers share");
    assert!(
        now_or_never(rw.write()).is_none(),
        "a reader keeps the writer out"
    );
    drop(r);

    let sem = Semaphore::new(1);
    let permit = now_or_never(sem.acquire()).expect("a free permit").unwrap();
    assert!(now_or_never(sem.acquire()).is_none(), "no permit left");
    drop(permit);

    let (tx, rx) = oneshot::channel();
    tx.send(7).unwrap();
    assert_eq!(now_or_never(rx), Some(Ok(7)), "a oneshot holding its value");
    let (_tx, rx) = oneshot::channel::<u8>();
    assert_eq!(now_or_never(rx), None, "an empty oneshot");

    let (tx, mut rx) = mpsc::channel(2);
    assert!(now_or_never(tx.send(3)).is_some(), "room in the channel");
    assert_eq!(now_or_never(rx.recv()), Some(Some(3)), "a queued message");
    assert_eq!(now_or_never(rx.recv()), None, "an empty channel");
    let (utx, mut urx) = mpsc::unbounded_channel();
    utx.send(4).unwrap();
    assert_eq!(now_or_never(urx.recv()), Some(Some(4)));

    // `futures::poll!` on a pinned lock future: Ready at once when free.
    let mut lock = Box::pin(m.lock());
    assert!(matches!(poll_once(&mut lock).await, Poll::Ready(_)));
    drop(lock);
    let held = m.lock().await;
    let mut busy = Box::pin(m.lock());
    assert!(
        poll_once(&mut busy).await.is_pending(),
        "a held lock is Pending"
    );
    drop(held);
    // Released: the waiting future completes on its next poll.
    assert_eq!(*busy.await, 1);
}

#[test]
fn ready_operations_polled_once_are_ready_as_in_tokio() {
    check(ready_operations_polled_once, dfs());
    check(
        ready_operations_polled_once,
        Config::new().strategy("random").iterations(20),
    );
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(ready_operations_polled_once());
}

/// Two tasks read the counter under one lock and write it under another: a lost update.
fn lost_update(fixed: bool) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let n = Arc::new(Mutex::new(0));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let n = n.clone();
                    task::spawn(async move {
                        if fixed {
                            *n.lock().await += 1;
                        } else {
                            let v = *n.lock().await;
                            *n.lock().await = v + 1;
                        }
                    })
                })
                .collect();
            task::join_all(handles).await;
            assert_eq!(*n.lock().await, 2, "lost update");
        })
    }
}

#[test]
fn a_lock_is_still_a_scheduling_point_and_the_lost_update_is_found_and_replays() {
    let dir = std::env::temp_dir().join(format!("coyote-poll-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug_report(dfs().trace_dir(&dir), lost_update(false));
    assert!(msg.contains("lost update"), "{msg}");
    let failure = coyote_harness::replay(lost_update(false), common::written_trace(&dir));
    assert!(
        failure.message.contains("lost update"),
        "{}",
        failure.message
    );
    let _ = std::fs::remove_dir_all(&dir);
    check(lost_update(true), dfs());
}

/// With another task racing for the lock, a lock polled once sees it free or held as the
/// schedule has it: both answers are explored, and a free lock is never reported busy while
/// its holder is not running (a `None` comes only from a schedule where the other task holds
/// it, or where the strategy preempts right at the poll).
#[test]
fn a_lock_polled_once_while_another_task_races_sees_both_outcomes() {
    use std::sync::atomic::{AtomicU32, Ordering};
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
                let got = now_or_never(m.lock()).is_some();
                seen[got as usize].fetch_add(1, Ordering::Relaxed);
                t.await.unwrap();
            }
        },
        dfs(),
    );
    assert!(
        outcomes[0].load(Ordering::Relaxed) > 0,
        "busy in some schedule"
    );
    assert!(
        outcomes[1].load(Ordering::Relaxed) > 0,
        "free in some schedule"
    );
}

/// A `select!` whose branches are a timer and an operation, each first polled in one poll: the
/// timer set by one branch, and a wake made by the other, survive the step the next branch's
/// point may begin inside that poll (every schedule ends, none deadlocks).
#[test]
fn a_select_over_a_timer_and_an_operation_keeps_both_branches() {
    use coyote_harness::sync::broadcast;
    use coyote_harness::time;
    use std::time::Duration;
    check(
        || async {
            let (tx, mut rx) = broadcast::channel::<()>(1);
            let (done_tx, mut done_rx) = mpsc::channel::<u32>(1);
            let t = task::spawn(async move {
                let mut every = time::interval(Duration::from_millis(10));
                let mut ticks = 0;
                loop {
                    coyote_harness::select! {
                        _ = every.tick() => {
                            ticks += 1;
                            if ticks == 3 {
                                done_tx.send(ticks).await.unwrap();
                            }
                        },
                        _ = rx.recv() => return ticks,
                    }
                }
            });
            assert_eq!(done_rx.recv().await, Some(3));
            tx.send(()).unwrap();
            assert!(t.await.unwrap() >= 3);
        },
        Config::new()
            .strategy("random")
            .iterations(300)
            .max_steps(2000),
    );
}
