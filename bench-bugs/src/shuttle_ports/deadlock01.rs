//! `deadlock01`: two threads lock `a` and `b` in opposite orders.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};
use std::sync::Arc;

pub fn deadlock01() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    // Only accessed with both locks held: a plain (uncontrolled) variable.
    let counter = Arc::new(AtomicI32::new(1));
    let t1 = {
        let (a, b, counter) = (a.clone(), b.clone(), counter.clone());
        thread::spawn(move || {
            let _ga = a.lock_ok();
            let _gb = b.lock_ok();
            counter.fetch_add(1, Relaxed);
        })
    };
    let t2 = thread::spawn(move || {
        let _gb = b.lock_ok();
        let _ga = a.lock_ok();
        counter.fetch_sub(1, Relaxed);
    });
    super::join_all(vec![t1, t2]);
}
