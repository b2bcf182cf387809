//! `token_ring`: the ring order of the three atomic sections is not enforced.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

pub fn token_ring() {
    // (x, flags), under ESBMC's atomic-section mutex.
    let atomic = Arc::new(Mutex::new(([1, 2, 1], [false; 3])));
    let mut handles = Vec::new();
    for i in 0..3 {
        let atomic = atomic.clone();
        handles.push(thread::spawn(move || {
            let mut r = atomic.lock_ok();
            r.0[i] = if i == 0 { (r.0[2] + 1) % 4 } else { r.0[i - 1] };
            r.1[i] = true;
        }));
    }
    handles.push(thread::spawn(move || {
        let r = atomic.lock_ok();
        if r.1.iter().all(|&f| f) {
            assert!(
                r.0[0] == r.0[1] && r.0[1] == r.0[2],
                "token_ring: x = {:?}",
                r.0
            );
        }
    }));
    super::join_all(handles);
}
