//! `token_ring`, from the CS suite (SCTBench `concurrent-software-benchmarks/token_ring_bad.c`).
//!
//! Three threads pass a value around a ring, each in an atomic section (ESBMC's
//! `__ESBMC_atomic_begin/end`, a global mutex in SCTBench): `t1: x1 = (x3 + 1) % 4`,
//! `t2: x2 = x1`, `t3: x3 = x2`, each then raising its flag. `t4` asserts, once all three flags
//! are up, that `x1 == x2 == x3`. That only holds when the three ran in ring order
//! `t1, t2, t3`; any other order fails, so the bug is an ordering bug found by most schedules
//! (SCTBench: 5 threads, 11 scheduling points; `main` does not join in the C program, here it
//! does, which changes nothing observable).
//!
//! `token_ring_fixed` actually passes the token: each thread waits for its predecessor's
//! notification before its atomic section.

use coyote_harness::{
    sync::{Mutex, Notify},
    task,
};
use std::sync::Arc;

#[derive(Default)]
struct Ring {
    x: [i32; 3],
    flag: [bool; 3],
}

async fn run(fixed: bool) {
    let atomic = Arc::new(Mutex::new(Ring {
        x: [1, 2, 1],
        flag: [false; 3],
    }));
    // token[i] is raised by thread i + 1 for thread i + 2 (fixed variant only).
    let token: Arc<[Notify; 3]> = Arc::new(Default::default());
    let mut handles = Vec::new();
    for i in 0..3 {
        let (atomic, token) = (atomic.clone(), token.clone());
        handles.push(task::spawn(async move {
            if fixed && i > 0 {
                token[i - 1].notified().await;
            }
            {
                let mut r = atomic.lock().await;
                r.x[i] = match i {
                    0 => (r.x[2] + 1) % 4,
                    _ => r.x[i - 1],
                };
                r.flag[i] = true;
            }
            if fixed {
                token[i].notify_one();
            }
        }));
    }
    handles.push(task::spawn(async move {
        if fixed {
            token[2].notified().await;
        }
        let r = atomic.lock().await;
        if r.flag.iter().all(|&f| f) {
            assert!(
                r.x[0] == r.x[1] && r.x[1] == r.x[2],
                "token_ring: x = {:?}",
                r.x
            ); // BAD
        }
    }));
    for h in handles {
        h.await.unwrap();
    }
}

/// The program; the ring order is not enforced.
pub async fn token_ring() {
    run(false).await
}

/// The token is passed with notifications.
pub async fn token_ring_fixed() {
    run(true).await
}
