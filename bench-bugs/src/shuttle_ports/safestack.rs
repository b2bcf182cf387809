//! `safestack`: an ABA race in a lock-free index stack lets two threads own one node.

use shuttle::sync::atomic::{AtomicI32, Ordering::SeqCst};
use shuttle::thread;
use std::sync::Arc;

struct Item {
    value: AtomicI32,
    next: AtomicI32,
}

struct SafeStack {
    head: AtomicI32,
    count: AtomicI32,
    array: Vec<Item>,
}

impl SafeStack {
    fn pop(&self) -> i32 {
        while self.count.load(SeqCst) > 1 {
            let head1 = self.head.load(SeqCst);
            let next1 = self.array[head1 as usize].next.swap(-1, SeqCst);
            if next1 >= 0 {
                if self
                    .head
                    .compare_exchange(head1, next1, SeqCst, SeqCst)
                    .is_ok()
                {
                    self.count.fetch_sub(1, SeqCst);
                    return head1;
                } else {
                    self.array[head1 as usize].next.swap(next1, SeqCst);
                }
            } else {
                thread::yield_now();
            }
        }
        -1
    }

    fn push(&self, index: i32) {
        let mut head1 = self.head.load(SeqCst);
        loop {
            self.array[index as usize].next.store(head1, SeqCst);
            match self.head.compare_exchange(head1, index, SeqCst, SeqCst) {
                Ok(_) => break,
                Err(actual) => head1 = actual,
            }
        }
        self.count.fetch_add(1, SeqCst);
    }
}

pub fn safestack() {
    let n = 3;
    let stack = Arc::new(SafeStack {
        head: AtomicI32::new(0),
        count: AtomicI32::new(n),
        array: (0..n)
            .map(|i| Item {
                value: AtomicI32::new(0),
                next: AtomicI32::new(if i < n - 1 { i + 1 } else { -1 }),
            })
            .collect(),
    });
    let handles = (0..3)
        .map(|idx| {
            let stack = stack.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    let elem = loop {
                        let e = stack.pop();
                        if e >= 0 {
                            break e;
                        }
                        thread::yield_now();
                    };
                    let node = &stack.array[elem as usize];
                    node.value.store(idx, SeqCst);
                    let v = node.value.load(SeqCst);
                    assert!(
                        v == idx,
                        "safestack: thread {idx} owns node {elem}, whose Value is now {v}"
                    );
                    stack.push(elem);
                }
            })
        })
        .collect();
    super::join_all(handles);
}
