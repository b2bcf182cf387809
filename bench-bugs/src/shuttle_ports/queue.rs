//! `queue`: both threads index `stored_elements` by their own loop counters.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

const SIZE: usize = 20;

struct State {
    element: [i32; SIZE],
    head: usize,
    tail: usize,
    stored_elements: [i32; SIZE],
    enqueue_flag: bool,
    dequeue_flag: bool,
}

impl State {
    fn enqueue(&mut self, x: i32) {
        self.element[self.tail] = x;
        self.tail = if self.tail == SIZE { 1 } else { self.tail + 1 };
    }

    fn dequeue(&mut self) -> i32 {
        let x = self.element[self.head];
        self.head = if self.head == SIZE { 1 } else { self.head + 1 };
        x
    }
}

pub fn queue() {
    let m = Arc::new(Mutex::new(State {
        element: [0; SIZE],
        head: 0,
        tail: 0,
        stored_elements: [0; SIZE],
        enqueue_flag: true,
        dequeue_flag: false,
    }));
    let m1 = m.clone();
    let t1 = thread::spawn(move || {
        let mut value = 0;
        {
            let mut q = m1.lock_ok();
            q.enqueue(value);
            q.stored_elements[0] = value;
            assert!(q.head != q.tail);
        }
        for i in 0..SIZE - 1 {
            let mut q = m1.lock_ok();
            if q.enqueue_flag {
                value += 1;
                q.enqueue(value);
                q.stored_elements[i + 1] = value;
                q.enqueue_flag = false;
                q.dequeue_flag = true;
            }
        }
    });
    let t2 = thread::spawn(move || {
        for i in 0..SIZE {
            let mut q = m.lock_ok();
            if q.dequeue_flag {
                let got = q.dequeue();
                let want = q.stored_elements[i];
                assert!(
                    got == want,
                    "queue: dequeued {got}, stored_elements[{i}] = {want}"
                );
                q.dequeue_flag = false;
                q.enqueue_flag = true;
            }
        }
    });
    super::join_all(vec![t1, t2]);
}
