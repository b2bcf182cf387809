//! `queue`, from the CS suite (SCTBench `concurrent-software-benchmarks/queue_bad.c`).
//!
//! A bounded FIFO queue (size 20) under one mutex, filled by `t1` and drained by `t2`, which
//! take turns through two flags: `t1` enqueues the value 0, then in each of 19 loop iterations,
//! if `enqueue_flag` is set, enqueues the next value and records it in
//! `stored_elements[i + 1]`; `t2`, in each of 20 iterations, if `dequeue_flag` is set, asserts
//! that the dequeued value equals `stored_elements[i]`. Both threads index `stored_elements` by
//! their own *loop counter*, which counts iterations, not hand-overs: the assertion fails as
//! soon as the two loops drift apart, e.g. when `t2` runs an idle iteration before `t1` hands
//! over. SCTBench lists 3 threads, 83 scheduling points. Depth: an ordering bug.
//!
//! `queue_fixed` indexes `stored_elements` by the number of values enqueued and dequeued so far
//! (the suite's `queue_ok` instead does all enqueues, then all dequeues, in one critical
//! section each, which leaves nothing to test).

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

const SIZE: usize = 20;
const EMPTY: i32 = -1;

struct State {
    element: [i32; SIZE],
    head: usize,
    tail: usize,
    amount: usize,
    stored_elements: [i32; SIZE],
    enqueue_flag: bool,
    dequeue_flag: bool,
    /// Values enqueued and dequeued so far (the fixed variant's indices).
    enqueued: usize,
    dequeued: usize,
}

impl State {
    fn empty(&self) -> i32 {
        if self.head == self.tail {
            EMPTY
        } else {
            0
        }
    }

    fn enqueue(&mut self, x: i32) -> i32 {
        self.element[self.tail] = x;
        self.amount += 1;
        assert!(self.amount <= SIZE, "queue: full");
        if self.tail == SIZE {
            self.tail = 1;
        } else {
            self.tail += 1;
        }
        0
    }

    fn dequeue(&mut self) -> i32 {
        let x = self.element[self.head];
        self.amount -= 1;
        if self.head == SIZE {
            self.head = 1;
        } else {
            self.head += 1;
        }
        x
    }
}

async fn run(fixed: bool) {
    let s = State {
        element: [0; SIZE],
        head: 0,
        tail: 0,
        amount: 0,
        stored_elements: [0; SIZE],
        enqueue_flag: true,
        dequeue_flag: false,
        enqueued: 0,
        dequeued: 0,
    };
    assert_eq!(s.empty(), EMPTY);
    let m = Arc::new(Mutex::new(s));
    let id1 = {
        let m = m.clone();
        task::spawn(async move {
            let mut value = 0;
            {
                let mut q = m.lock().await;
                assert_eq!(q.enqueue(value), 0);
                q.stored_elements[0] = value;
                q.enqueued = 1;
                assert!(q.empty() != EMPTY);
            }
            for i in 0..SIZE - 1 {
                let mut q = m.lock().await;
                if q.enqueue_flag {
                    value += 1;
                    q.enqueue(value);
                    let at = if fixed { q.enqueued } else { i + 1 };
                    q.stored_elements[at] = value;
                    q.enqueued += 1;
                    q.enqueue_flag = false;
                    q.dequeue_flag = true;
                }
            }
        })
    };
    let id2 = task::spawn(async move {
        for i in 0..SIZE {
            let mut q = m.lock().await;
            if q.dequeue_flag {
                let at = if fixed { q.dequeued } else { i };
                let got = q.dequeue();
                q.dequeued += 1;
                let want = q.stored_elements[at];
                assert!(
                    got == want,
                    "queue: dequeued {got}, stored_elements[{at}] = {want}"
                ); // BAD
                q.dequeue_flag = false;
                q.enqueue_flag = true;
            }
        }
    });
    id1.await.unwrap();
    id2.await.unwrap();
}

/// The program; the two loops' counters drift apart.
pub async fn queue() {
    run(false).await
}

/// Indexes by hand-overs instead of loop iterations.
pub async fn queue_fixed() {
    run(true).await
}
