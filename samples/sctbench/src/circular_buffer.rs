//! `circular_buffer`, from the CS suite (SCTBench
//! `concurrent-software-benchmarks/circular_buffer_bad.c`).
//!
//! A log buffer (capacity 10) under one mutex; `t1` and `t2` take turns through the `send` and
//! `receive` flags over 7 loop iterations each: `t1` inserts its loop counter `i` when `send` is
//! set, `t2` asserts that the removed element equals *its own* loop counter when `receive` is
//! set. The counters drift apart as soon as one thread runs an idle iteration (e.g. `t2` runs
//! before anything was inserted), and the assertion fails. SCTBench lists 3 threads, 31
//! scheduling points. Depth: an ordering bug.
//!
//! `circular_buffer_fixed` is the suite's `circular_buffer_ok`: `t1` records the inserted value
//! and `t2` compares against that.

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

const BUFFER_MAX: usize = 10;
const N: i32 = 7;
const ERROR: i32 = -1;

struct Log {
    buffer: [i32; BUFFER_MAX],
    first: usize,
    next: usize,
    buffer_size: usize,
    send: bool,
    receive: bool,
    /// The value last inserted (the fixed variant).
    value: i32,
}

impl Log {
    fn remove_log_element(&mut self) -> i32 {
        if self.next > 0 && self.first < self.buffer_size {
            self.first += 1;
            self.buffer[self.first - 1]
        } else {
            ERROR
        }
    }

    fn insert_log_element(&mut self, b: i32) -> i32 {
        if self.next < self.buffer_size && self.buffer_size > 0 {
            self.buffer[self.next] = b;
            self.next = (self.next + 1) % self.buffer_size;
            assert!(self.next < self.buffer_size);
            b
        } else {
            ERROR
        }
    }
}

async fn run(fixed: bool) {
    let m = Arc::new(Mutex::new(Log {
        buffer: [0; BUFFER_MAX],
        first: 0,
        next: 0,
        buffer_size: BUFFER_MAX,
        send: true,
        receive: false,
        value: 0,
    }));
    let id1 = {
        let m = m.clone();
        task::spawn(async move {
            for i in 0..N {
                let mut l = m.lock().await;
                if l.send {
                    let inserted = l.insert_log_element(i);
                    if fixed {
                        assert_eq!(inserted, i);
                        l.value = i;
                    }
                    l.send = false;
                    l.receive = true;
                }
            }
        })
    };
    let id2 = task::spawn(async move {
        for i in 0..N {
            let mut l = m.lock().await;
            if l.receive {
                let want = if fixed { l.value } else { i };
                let got = l.remove_log_element();
                assert!(
                    got == want,
                    "circular_buffer: removed {got}, expected {want}"
                ); // BAD
                l.receive = false;
                l.send = true;
            }
        }
    });
    id1.await.unwrap();
    id2.await.unwrap();
}

/// The program; the loop counters drift apart.
pub async fn circular_buffer() {
    run(false).await
}

/// `circular_buffer_ok`: compare with the inserted value.
pub async fn circular_buffer_fixed() {
    run(true).await
}
