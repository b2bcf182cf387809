//! `carter01`, from the CS suite (SCTBench `concurrent-software-benchmarks/carter01_bad.c`;
//! the example is Carter's, used by the Inspect DPOR tool).
//!
//! Two classes of operations exclude each other through lock `l`: the first operation of a
//! class to start locks `l`, the last one to end unlocks it. Both classes count their members
//! (`A`, `B`) under the *same* mutex `m`, and the first member locks `l` while still holding
//! `m`. Bug (deadlock): `t1` (class A) holds `l`; `t2` (class B) locks `m`, increments `B` and
//! blocks on `l` while holding `m`; `t1` can then never take `m` to leave and unlock `l`. Two
//! more threads do nothing (SCTBench: 5 threads, 19 scheduling points). Depth: one preemption.
//!
//! `carter01_fixed` is the "lightswitch" of Downey's *Little Book of Semaphores*: each class
//! counts under its own mutex, so a member blocked on `l` never holds the other class's mutex.

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

/// The class counters `[A, B]`, and the mutex(es) that protect them.
#[derive(Clone)]
enum Counters {
    /// carter01: both counters under one mutex `m`.
    Shared(Arc<Mutex<[i32; 2]>>),
    /// The fix: one mutex per class.
    PerClass([Arc<Mutex<[i32; 2]>>; 2]),
}

impl Counters {
    fn mutex(&self, class: usize) -> &Mutex<[i32; 2]> {
        match self {
            Counters::Shared(m) => m,
            Counters::PerClass(ms) => &ms[class],
        }
    }
}

async fn class_member(class: usize, counters: Counters, l: Arc<Mutex<()>>) {
    let m = counters.mutex(class);
    let mut held = None;
    {
        let mut c = m.lock().await;
        c[class] += 1;
        if c[class] == 1 {
            // BAD (in carter01): blocks on `l` while holding `m`.
            held = Some(l.lock().await);
        }
    }
    // perform the class's operation
    {
        let mut c = m.lock().await;
        c[class] -= 1;
        if c[class] == 0 {
            drop(held.take());
        }
    }
}

async fn run(fixed: bool) {
    let l = Arc::new(Mutex::new(()));
    let counters = if fixed {
        Counters::PerClass([Arc::new(Mutex::new([0; 2])), Arc::new(Mutex::new([0; 2]))])
    } else {
        Counters::Shared(Arc::new(Mutex::new([0; 2])))
    };
    let a1 = task::spawn(class_member(0, counters.clone(), l.clone()));
    let b1 = task::spawn(class_member(1, counters, l));
    let a2 = task::spawn(async {});
    let b2 = task::spawn(async {});
    a1.await.unwrap();
    b1.await.unwrap();
    a2.await.unwrap();
    b2.await.unwrap();
}

/// The program; can deadlock.
pub async fn carter01() {
    run(false).await
}

/// Per-class counter mutexes (a lightswitch).
pub async fn carter01_fixed() {
    run(true).await
}
