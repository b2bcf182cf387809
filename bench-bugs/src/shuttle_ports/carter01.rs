//! `carter01`: a class's first member locks `l` while holding the shared counter mutex.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

fn class_member(class: usize, m: Arc<Mutex<[i32; 2]>>, l: Arc<Mutex<()>>) {
    let mut held = None;
    {
        let mut c = m.lock_ok();
        c[class] += 1;
        if c[class] == 1 {
            held = Some(l.lock_ok());
        }
    }
    {
        let mut c = m.lock_ok();
        c[class] -= 1;
        if c[class] == 0 {
            drop(held.take());
        }
    }
}

pub fn carter01() {
    let l = Arc::new(Mutex::new(()));
    let m = Arc::new(Mutex::new([0; 2]));
    let (m1, l1) = (m.clone(), l.clone());
    let a1 = thread::spawn(move || class_member(0, m1, l1));
    let b1 = thread::spawn(move || class_member(1, m, l));
    let a2 = thread::spawn(|| {});
    let b2 = thread::spawn(|| {});
    super::join_all(vec![a1, b1, a2, b2]);
}
