//! `queue` as threads (SCTBench `concurrent-software-benchmarks/queue_bad.c`): a bounded FIFO
//! (size 20) and the hand-over flags, all under one mutex `m`. `t1` enqueues a value, then in
//! each of 19 iterations, if `enqueue_flag` is set, enqueues the next value into
//! `stored_elements[i + 1]` and hands over; `t2`, in each of 20 iterations, if `dequeue_flag` is
//! set, checks the dequeued value against `stored_elements[i]` and hands back. Both index by
//! their *loop counter*, so the check fails once the loops drift apart (the task port,
//! `crate::queue`, says more). The C's nondeterministic values are 0, 1, 2, ... here. The fixed
//! variant indexes by the number of hand-overs.

use super::{join_all, lock};
use coyote_harness::std::sync::{Arc, Mutex};
use coyote_harness::std::thread;

const SIZE: usize = 20;

#[derive(Default)]
struct Queue {
    element: [i32; SIZE],
    head: usize,
    tail: usize,
    stored_elements: [i32; SIZE],
    enqueue_flag: bool,
    dequeue_flag: bool,
    enqueued: usize,
    dequeued: usize,
}

impl Queue {
    fn enqueue(&mut self, x: i32) {
        self.element[self.tail] = x;
        self.tail = (self.tail + 1) % SIZE;
        self.enqueued += 1;
    }

    fn dequeue(&mut self) -> i32 {
        let x = self.element[self.head];
        self.head = (self.head + 1) % SIZE;
        self.dequeued += 1;
        x
    }
}

fn queue(fixed: bool) {
    let m = Arc::new(Mutex::new(Queue {
        enqueue_flag: true,
        ..Queue::default()
    }));
    let m1 = m.clone();
    let t1 = thread::spawn(move || {
        let mut value = 0;
        {
            let mut q = lock(&m1);
            q.enqueue(value);
            q.stored_elements[0] = value;
            assert!(q.head != q.tail, "queue: empty after an enqueue");
        }
        for i in 0..SIZE - 1 {
            let mut q = lock(&m1);
            if q.enqueue_flag {
                value += 1;
                let at = if fixed { q.enqueued } else { i + 1 };
                q.enqueue(value);
                q.stored_elements[at] = value;
                q.enqueue_flag = false;
                q.dequeue_flag = true;
            }
        }
    });
    let t2 = thread::spawn(move || {
        for i in 0..SIZE {
            let mut q = lock(&m);
            if q.dequeue_flag {
                let at = if fixed { q.dequeued } else { i };
                let got = q.dequeue();
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
    join_all(vec![t1, t2]);
}

/// The loops' counters drift apart.
pub async fn threads_queue() {
    queue(false)
}
/// Indexes by hand-overs.
pub async fn threads_queue_fixed() {
    queue(true)
}
