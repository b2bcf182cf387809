//! Poll-once idioms (`now_or_never()`, `futures::poll!`, `tokio_test`'s `assert_ready!`) see
//! what tokio shows them: an operation that is ready on its first poll is `Ready` there (a free
//! lock, a free permit, a oneshot holding its value, a queued message, the `JoinHandle` of a
//! finished task, a TCP read with bytes waiting, a write with room), one that must wait is
//! `Pending`; and the operation is still a scheduling point, so the lost update between two
//! lock sections is still found, and its trace replays, and a join or a read polled once while
//! another task races sees both outcomes.

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

/// A `JoinHandle` polled once: `Pending` while the task has not finished, its output once it
/// has (as tokio's).
async fn joins_polled_once() {
    let mut busy = task::spawn(async {});
    assert!(
        poll_once(&mut busy).await.is_pending(),
        "a task that has not run"
    );
    busy.await.unwrap();
    let done = task::spawn(async { 5 });
    // (A sleep, not a yield: time moves past a runnable task at most once before it runs, so
    // every schedule, dfs's too, ends the loop.)
    while !done.is_finished() {
        coyote_harness::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(
        now_or_never(done).map(Result::unwrap),
        Some(5),
        "the handle of a finished task is Ready on its first poll"
    );
}

#[test]
fn the_join_handle_of_a_finished_task_is_ready_on_its_first_poll() {
    check(joins_polled_once, dfs());
    check(
        joins_polled_once,
        Config::new().strategy("pct").iterations(20),
    );
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(joins_polled_once());
}

/// Reads and writes of a simulated TCP stream polled once (one task: the strategy lets it go
/// on, so the answers are tokio's): a write with room and a read with bytes waiting are
/// `Ready` (possibly with fewer bytes: partial I/O is still explored), a read of an empty pipe
/// and a write to a full one are `Pending`.
async fn tcp_polled_once() {
    use coyote_harness::net::{sim, TcpListener, TcpStream};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut c = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut s, _) = listener.accept().await.unwrap();
    let wrote = now_or_never(c.write(b"hello"))
        .expect("a write with room is Ready on its first poll")
        .unwrap();
    assert!((1..=5).contains(&wrote), "{wrote}");
    let mut buf = [0u8; 8];
    let read = now_or_never(s.read(&mut buf))
        .expect("a read with bytes waiting is Ready on its first poll")
        .unwrap();
    assert!((1..=wrote).contains(&read), "{read} of {wrote}");
    assert_eq!(&buf[..read], &b"hello"[..read]);
    assert!(
        now_or_never(c.read(&mut buf)).is_none(),
        "a read of an empty pipe is Pending"
    );
    // Fill the other way's pipe (64 KiB) in whole writes: the next write has no room.
    sim::partial_io(false);
    let big = vec![0u8; 64 * 1024];
    let mut held = 0;
    while let Some(n) = now_or_never(s.write(&big)) {
        held += n.unwrap();
        assert!(held <= big.len(), "more than the pipe holds");
    }
    assert_eq!(held, big.len(), "the pipe is full");
}

#[test]
fn tcp_reads_with_bytes_waiting_and_writes_with_room_are_ready_on_their_first_poll() {
    check(tcp_polled_once, dfs());
    check(
        tcp_polled_once,
        Config::new().strategy("random").iterations(20),
    );
}

/// With another task racing, a join or a read polled once sees the task done or not, the
/// bytes there or not, as the schedule has it: both outcomes are explored (the points are
/// still scheduling points the strategy preempts at), and the traces of the schedules replay.
#[test]
fn a_join_or_a_read_polled_once_while_another_task_races_sees_both_outcomes() {
    use coyote_harness::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let joins = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let seen = joins.clone();
    check(
        move || {
            let seen = seen.clone();
            async move {
                let t = task::spawn(async {});
                task::yield_now().await;
                let done = now_or_never(t).is_some();
                seen[done as usize].fetch_add(1, Ordering::Relaxed);
            }
        },
        dfs(),
    );
    assert!(
        joins.iter().all(|n| n.load(Ordering::Relaxed) > 0),
        "{joins:?}"
    );

    let reads = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let seen = reads.clone();
    check(
        move || {
            let seen = seen.clone();
            async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let writer = task::spawn(async move {
                    let mut c = TcpStream::connect(addr).await.unwrap();
                    c.write_all(b"x").await.unwrap();
                    c
                });
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 1];
                let got = now_or_never(s.read(&mut buf)).is_some();
                seen[got as usize].fetch_add(1, Ordering::Relaxed);
                drop(writer.await.unwrap());
            }
        },
        dfs(),
    );
    assert!(
        reads.iter().all(|n| n.load(Ordering::Relaxed) > 0),
        "{reads:?}"
    );
}

/// A reply read as one frame: the bug needs the read to return part of the frame (a declared
/// choice made inside the read's first poll) and is found, and its trace replays.
fn short_read() -> std::pin::Pin<Box<dyn Future<Output = ()>>> {
    use coyote_harness::net::{TcpListener, TcpStream};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    Box::pin(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = task::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            s.write_all(b"ok!").await.unwrap();
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        server.await.unwrap();
        let mut frame = [0u8; 3];
        let n = c.read(&mut frame).await.unwrap();
        assert_eq!(n, 3, "short read");
    })
}

#[test]
fn a_short_read_decided_in_the_reads_first_poll_is_found_and_replays() {
    let dir = std::env::temp_dir().join(format!("coyote-poll-once-net-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug_report(dfs().trace_dir(&dir), short_read);
    assert!(msg.contains("short read"), "{msg}");
    let failure = coyote_harness::replay(short_read, common::written_trace(&dir));
    assert!(
        failure.message.contains("short read"),
        "{}",
        failure.message
    );
    let _ = std::fs::remove_dir_all(&dir);
}
