//! `fib_bench`: `main` fails if it sees `i` or `j` reach 144 (only by strict alternation).

use shuttle::sync::atomic::{AtomicI64, Ordering::SeqCst};
use shuttle::thread;
use std::sync::Arc;

const NUM: usize = 5;

pub fn fib_bench() {
    let v = Arc::new((AtomicI64::new(1), AtomicI64::new(1)));
    let v1 = v.clone();
    let _t1 = thread::spawn(move || {
        for _ in 0..NUM {
            let i = v1.0.load(SeqCst);
            let j = v1.1.load(SeqCst);
            v1.0.store(i + j, SeqCst);
        }
    });
    let v2 = v.clone();
    let _t2 = thread::spawn(move || {
        for _ in 0..NUM {
            let j = v2.1.load(SeqCst);
            let i = v2.0.load(SeqCst);
            v2.1.store(j + i, SeqCst);
        }
    });
    let reached = v.0.load(SeqCst) >= 144 || v.1.load(SeqCst) >= 144;
    assert!(!reached, "fib_bench: i or j reached 144");
}
