//! `twostage`: a reader can run between a writer's two locked stages.

use super::LockExt;
use shuttle::sync::atomic::{AtomicI32, Ordering::SeqCst};
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

struct Vars {
    data1_lock: Mutex<()>,
    data2: Mutex<i32>,
    data1: AtomicI32,
}

pub fn twostage(t_threads: usize, r_threads: usize) {
    let v = Arc::new(Vars {
        data1_lock: Mutex::new(()),
        data2: Mutex::new(0),
        data1: AtomicI32::new(0),
    });
    let mut handles = Vec::new();
    for _ in 0..t_threads {
        let v = v.clone();
        handles.push(thread::spawn(move || {
            {
                let _g = v.data1_lock.lock_ok();
                v.data1.store(1, SeqCst);
            }
            let mut d2 = v.data2.lock_ok();
            *d2 = v.data1.load(SeqCst) + 1;
        }));
    }
    for _ in 0..r_threads {
        let v = v.clone();
        handles.push(thread::spawn(move || {
            let t1 = {
                let _g = v.data1_lock.lock_ok();
                if v.data1.load(SeqCst) == 0 {
                    return;
                }
                v.data1.load(SeqCst)
            };
            let t2 = *v.data2.lock_ok();
            assert!(
                t2 == t1 + 1,
                "twostage: reader saw data1 = {t1} but data2 = {t2}"
            );
        }));
    }
    super::join_all(handles);
}
