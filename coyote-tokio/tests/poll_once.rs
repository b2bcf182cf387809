//! Poll-once idioms on the drop-in's `tokio::sync`, `JoinHandle` and `tokio::net`: a ready
//! operation is `Ready` on its first poll, as in tokio (`now_or_never()`, `futures::poll!`), a
//! busy one is not, and the operations are still scheduling points (the lost update is found).

use coyote_harness::{check, Config};
use coyote_tokio as tokio;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::sync::{mpsc, oneshot, Mutex, Semaphore};

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

/// `futures::FutureExt::now_or_never`.
fn now_or_never<F: Future>(f: F) -> Option<F::Output> {
    let waker = noop_waker();
    match pin!(f).poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

async fn polled_once() {
    let m = Mutex::new(5);
    let g = now_or_never(m.lock()).expect("a free lock");
    assert_eq!(*g, 5);
    assert!(now_or_never(m.lock()).is_none(), "a held lock");
    drop(g);
    let sem = Semaphore::new(1);
    let p = now_or_never(sem.acquire()).expect("a free permit").unwrap();
    assert!(now_or_never(sem.acquire()).is_none(), "no permit left");
    drop(p);
    let (tx, rx) = oneshot::channel();
    tx.send("v").unwrap();
    assert_eq!(now_or_never(rx), Some(Ok("v")));
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(1).await.unwrap();
    assert_eq!(now_or_never(rx.recv()), Some(Some(1)));
    assert_eq!(now_or_never(rx.recv()), None);
}

#[test]
fn ready_operations_polled_once_are_ready_and_busy_ones_are_not() {
    check(polled_once, Config::new().strategy("dfs"));
    ::tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(polled_once());
}

async fn lost_update() {
    let counter = Arc::new(Mutex::new(0));
    let c = counter.clone();
    let t = tokio::spawn(async move {
        let v = *c.lock().await;
        *c.lock().await = v + 1;
    });
    let v = *counter.lock().await;
    *counter.lock().await = v + 1;
    t.await.unwrap();
    assert_eq!(*counter.lock().await, 2, "lost update");
}

#[test]
fn the_lost_update_on_the_mutex_is_still_found() {
    let p = std::panic::catch_unwind(|| check(lost_update, Config::new().strategy("dfs")))
        .expect_err("the lost update is found");
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("lost update"), "{msg}");
}

async fn joins_and_streams_polled_once() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut busy = Box::pin(tokio::spawn(async {}));
    assert!(
        now_or_never(busy.as_mut()).is_none(),
        "the handle of a task that has not run"
    );
    busy.await.unwrap();
    let done = tokio::spawn(async { 7 });
    while !done.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(
        now_or_never(done).map(Result::unwrap),
        Some(7),
        "the handle of a finished task"
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut c = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut s, _) = listener.accept().await.unwrap();
    let n = now_or_never(c.write(b"ping"))
        .expect("a write with room")
        .unwrap();
    assert!(n >= 1);
    let mut buf = [0u8; 4];
    let k = now_or_never(s.read(&mut buf))
        .expect("a read with bytes waiting")
        .unwrap();
    assert!((1..=n).contains(&k), "{k} of {n}");
    assert!(
        now_or_never(c.read(&mut buf)).is_none(),
        "a read with nothing to read"
    );
}

#[test]
fn a_finished_join_handle_and_a_ready_read_or_write_are_ready_on_their_first_poll() {
    check(joins_and_streams_polled_once, Config::new().strategy("dfs"));
}
