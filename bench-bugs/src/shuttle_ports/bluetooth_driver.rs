//! `bluetooth_driver`: `IoIncrement` checks `stoppingFlag` outside its atomic section.

use super::LockExt;
use shuttle::sync::atomic::{AtomicBool, Ordering::SeqCst};
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

struct Device {
    atomic: Mutex<i32>,
    stopping_flag: AtomicBool,
    stopping_event: AtomicBool,
    stopped: AtomicBool,
}

fn io_increment(e: &Device) -> i32 {
    if e.stopping_flag.load(SeqCst) {
        return -1;
    }
    *e.atomic.lock_ok() += 1;
    0
}

fn io_decrement(e: &Device) {
    let pending = {
        let mut p = e.atomic.lock_ok();
        *p -= 1;
        *p
    };
    if pending == 0 {
        e.stopping_event.store(true, SeqCst);
    }
}

pub fn bluetooth_driver() {
    let e = Arc::new(Device {
        atomic: Mutex::new(1),
        stopping_flag: AtomicBool::new(false),
        stopping_event: AtomicBool::new(false),
        stopped: AtomicBool::new(false),
    });
    let e2 = e.clone();
    let id = thread::spawn(move || {
        e2.stopping_flag.store(true, SeqCst);
        io_decrement(&e2);
        if e2.stopping_event.load(SeqCst) {
            e2.stopped.store(true, SeqCst);
        }
    });
    if io_increment(&e) == 0 {
        assert!(
            !e.stopped.load(SeqCst),
            "bluetooth_driver: work on a stopped driver"
        );
    }
    io_decrement(&e);
    let _ = id.join();
}
