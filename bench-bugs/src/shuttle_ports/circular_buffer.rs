//! `circular_buffer`: the two threads' loop counters drift apart.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

const BUFFER_MAX: usize = 10;
const N: i32 = 7;

struct Log {
    buffer: [i32; BUFFER_MAX],
    first: usize,
    next: usize,
    send: bool,
    receive: bool,
}

pub fn circular_buffer() {
    let m = Arc::new(Mutex::new(Log {
        buffer: [0; BUFFER_MAX],
        first: 0,
        next: 0,
        send: true,
        receive: false,
    }));
    let m1 = m.clone();
    let t1 = thread::spawn(move || {
        for i in 0..N {
            let mut l = m1.lock_ok();
            if l.send {
                if l.next < BUFFER_MAX {
                    let next = l.next;
                    l.buffer[next] = i;
                    l.next = (next + 1) % BUFFER_MAX;
                }
                l.send = false;
                l.receive = true;
            }
        }
    });
    let t2 = thread::spawn(move || {
        for i in 0..N {
            let mut l = m.lock_ok();
            if l.receive {
                let got = if l.next > 0 && l.first < BUFFER_MAX {
                    l.first += 1;
                    l.buffer[l.first - 1]
                } else {
                    -1
                };
                assert!(got == i, "circular_buffer: removed {got}, expected {i}");
                l.receive = false;
                l.send = true;
            }
        }
    });
    super::join_all(vec![t1, t2]);
}
