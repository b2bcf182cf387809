//! `wronglock`: `funcB` increments under the wrong lock.

use super::LockExt;
use shuttle::sync::atomic::{AtomicI32, Ordering::SeqCst};
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

pub fn wronglock(num1: usize, num2: usize) {
    let v = Arc::new((Mutex::new(()), Mutex::new(()), AtomicI32::new(0)));
    let mut handles = Vec::new();
    for _ in 0..num1 {
        let v = v.clone();
        handles.push(thread::spawn(move || {
            let _g = v.0.lock_ok();
            let x = v.2.load(SeqCst);
            let d = v.2.load(SeqCst);
            v.2.store(d + 1, SeqCst);
            let now = v.2.load(SeqCst);
            assert!(
                now == x + 1,
                "wronglock: funcA read {x}, then {now} after its increment"
            );
        }));
    }
    for _ in 0..num2 {
        let v = v.clone();
        handles.push(thread::spawn(move || {
            let _g = v.1.lock_ok();
            let d = v.2.load(SeqCst);
            v.2.store(d + 1, SeqCst);
        }));
    }
    super::join_all(handles);
}
