//! `account`: the checker expects `(x - y) - z` instead of `(x + y) - z`.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

const X: i32 = 1;
const Y: i32 = 2;
const Z: i32 = 4;

pub fn account() {
    // (balance, deposit_done, withdraw_done)
    let m = Arc::new(Mutex::new((X, false, false)));
    let m3 = m.clone();
    let t3 = thread::spawn(move || {
        let a = m3.lock_ok();
        if a.1 && a.2 {
            assert!(
                a.0 == (X - Y) - Z,
                "account: balance {} != {}",
                a.0,
                (X - Y) - Z
            );
        }
    });
    let m1 = m.clone();
    let t1 = thread::spawn(move || {
        let mut a = m1.lock_ok();
        a.0 += Y;
        a.1 = true;
    });
    let t2 = thread::spawn(move || {
        let mut a = m.lock_ok();
        a.0 -= Z;
        a.2 = true;
    });
    super::join_all(vec![t3, t1, t2]);
}
