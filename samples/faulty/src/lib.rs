//! Tests that misbehave in every way a tester must survive. Each entry point is one case of the
//! reliability table in docs/crash-capture.md; `coyote test` must report each as a bug (or a clear error),
//! keep a trace, and finish the run. These are not service code: they exist to break things.

use coyote_harness::{random, sync::oneshot, task};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Aborts the process in some schedules (after a declared choice), like `panic = "abort"` code.
pub async fn aborts() {
    task::yield_now().await;
    if random::bool() {
        std::process::abort();
    }
}

/// Aborts in some schedules and panics in others (one declared choice in four each; not the
/// first value, which the portfolio's probes take): with several workers, one may crash while
/// another panics, and the run reports the one earlier in iteration order, as for any two bugs.
pub async fn aborts_or_panics() {
    task::yield_now().await;
    match random::int(4) {
        1 => std::process::abort(),
        2 => panic!("aborts_or_panics: the panicking branch"),
        _ => {}
    }
}

/// Dereferences a null pointer: SIGSEGV.
pub async fn segfault() {
    task::yield_now().await;
    // SAFETY: not safe at all; that is the point of this case.
    unsafe { std::ptr::null_mut::<u64>().write_volatile(7) };
}

#[inline(never)]
fn recurse(n: u64) -> u64 {
    let frame = std::hint::black_box([n; 64]);
    if n == u64::MAX {
        return 0;
    }
    recurse(n + 1).wrapping_add(frame[3])
}

/// Unbounded recursion: a stack overflow.
pub async fn stack_overflow() {
    task::yield_now().await;
    std::hint::black_box(recurse(0));
}

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("panic in drop while unwinding");
    }
}

/// Panics while panicking: Rust aborts the process.
pub async fn double_panic() {
    task::yield_now().await;
    let _guard = PanicsOnDrop;
    panic!("first panic");
}

/// Spins forever without reaching a scheduling point.
pub async fn spins() {
    task::yield_now().await;
    let mut x = 0u64;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// Reads the real clock (`std::time::Instant`), whose value differs between runs.
pub async fn real_clock() {
    task::yield_now().await;
    let started = std::time::Instant::now();
    task::yield_now().await;
    assert!(started.elapsed() < Duration::from_secs(60), "took a minute");
}

/// Sleeps on the real clock (the wall clock, not coyote's virtual time) for an hour.
pub async fn real_sleep() {
    task::yield_now().await;
    std::thread::sleep(Duration::from_secs(3600));
}

/// Deadlocks on an uncontrolled `std::sync::Mutex` (locked twice by one task).
pub async fn std_mutex_deadlock() {
    let m = std::sync::Mutex::new(0);
    task::yield_now().await;
    let _a = m.lock().unwrap();
    let _b = m.lock();
}

/// Holds a `std::sync::Mutex` guard across an `.await`, tokio's most common mistake: when the
/// other task runs in between, its `lock()` blocks the only thread for good (a hang, with its
/// backtrace at the second `lock`).
#[allow(clippy::await_holding_lock)] // the planted bug
pub async fn std_mutex_across_await() {
    let m = std::sync::Arc::new(std::sync::Mutex::new(0));
    let other = {
        let m = m.clone();
        task::spawn(async move {
            *m.lock().unwrap() += 1;
        })
    };
    let mut guard = m.lock().unwrap();
    task::yield_now().await;
    *guard += 1;
    drop(guard);
    other.await.unwrap();
}

/// Waits on a value sent from an OS thread coyote does not control.
pub async fn uncontrolled_thread() {
    let (tx, rx) = oneshot::channel::<u32>();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let _ = tx.send(1);
    });
    let _ = rx.await;
}

/// Calls `tokio::spawn` directly instead of `coyote_harness::task::spawn`.
pub async fn uses_tokio_directly() {
    task::yield_now().await;
    drop(tokio::spawn(async {}));
}

/// The lost update written with the real `tokio::sync::Mutex` (not the drop-in's): read under
/// one lock, write under another. coyote cannot interleave what it does not control, so this is
/// reported as the real tokio crate used, never as "0 bugs".
pub async fn real_tokio_mutex() {
    let m = std::sync::Arc::new(tokio::sync::Mutex::new(0));
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

/// Sleeps with the real `tokio::time::sleep`: reported as the real tokio crate, not the clock.
pub async fn real_tokio_sleep() {
    task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(10)).await;
}

static RUNS: AtomicU64 = AtomicU64::new(0);

/// Keeps state in a static between iterations: each run takes a different path, so a trace
/// recorded in one process does not replay in another.
pub async fn nondeterministic() {
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    for _ in 0..(n % 3) {
        task::yield_now().await;
    }
    let t = task::spawn(async { task::yield_now().await });
    task::yield_now().await;
    t.await.unwrap();
    assert!(n < 5, "the static counter reached {n}");
}

coyote_harness::export_tests!(
    aborts,
    aborts_or_panics,
    segfault,
    stack_overflow,
    double_panic,
    spins,
    real_clock,
    real_sleep,
    std_mutex_deadlock,
    std_mutex_across_await,
    uncontrolled_thread,
    uses_tokio_directly,
    real_tokio_mutex,
    real_tokio_sleep,
    nondeterministic
);
