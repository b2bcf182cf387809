//! `lazy01`: `thread3` asserts `data < 3`, which fails when it runs last.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

pub fn lazy01() {
    let data = Arc::new(Mutex::new(0));
    let d = data.clone();
    let t1 = thread::spawn(move || *d.lock_ok() += 1);
    let d = data.clone();
    let t2 = thread::spawn(move || *d.lock_ok() += 2);
    let t3 = thread::spawn(move || {
        let d = data.lock_ok();
        assert!(*d < 3, "lazy01: thread3 saw data = {}", *d);
    });
    super::join_all(vec![t1, t2, t3]);
}
