//! `safestack` as threads: SCTBench's C++11 port of Dmitry Vyukov's lock-free stack (posted to
//! the Relacy race detector's list), on `coyote_harness::std`'s atomics.
//!
//! The stack is an array of 3 nodes linked by index, with atomic `head`, `count` and per-node
//! `Next`; each node's `Value` is a `volatile int` written by its current owner, here an
//! `AtomicI32` accessed `Relaxed`. `Pop` loops while `count > 1`: it reads `head`, claims the
//! head node's `Next` by exchanging it with -1, and compare-exchanges `head` to it, restoring
//! `Next` if that failed (or yields if another popper holds it). `Push` links the node to the
//! head and compare-exchanges `head`. Three threads each, twice: pop a node (yielding until one
//! comes), store their id into its `Value`, assert it still holds their id, push it back. The
//! ABA race between a popper's exchange and compare-exchange and other threads' pop-push pairs
//! lets two threads own one node, and the second's store breaks the first's assertion. The C++
//! uses the default (`seq_cst`) ordering on the stack's atomics, kept here as `SeqCst`.

use coyote_harness::std::sync::atomic::{
    AtomicI32,
    Ordering::{Relaxed, SeqCst},
};
use coyote_harness::std::sync::Arc;
use coyote_harness::std::thread;

const NUM_THREADS: i32 = 3;

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
    fn new(push_count: i32) -> Self {
        let array = (0..push_count)
            .map(|i| Item {
                value: AtomicI32::new(0),
                next: AtomicI32::new(if i < push_count - 1 { i + 1 } else { -1 }),
            })
            .collect();
        SafeStack {
            head: AtomicI32::new(0),
            count: AtomicI32::new(push_count),
            array,
        }
    }

    fn pop(&self) -> i32 {
        while self.count.load(SeqCst) > 1 {
            let head1 = self.head.load(SeqCst);
            let next1 = self.array[head1 as usize].next.swap(-1, SeqCst);
            if next1 >= 0 {
                let head2 = head1;
                if self
                    .head
                    .compare_exchange(head2, next1, SeqCst, SeqCst)
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

/// The program: 3 threads, 2 pop-check-push rounds each; `main` joins them.
pub async fn threads_safestack() {
    let stack = Arc::new(SafeStack::new(3));
    let threads: Vec<_> = (0..NUM_THREADS)
        .map(|idx| {
            let stack = stack.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    let elem = loop {
                        let elem = stack.pop();
                        if elem >= 0 {
                            break elem;
                        }
                        thread::yield_now();
                    };
                    let node = &stack.array[elem as usize];
                    node.value.store(idx, Relaxed);
                    let v = node.value.load(Relaxed);
                    assert!(
                        v == idx,
                        "safestack: thread {idx} owns node {elem}, whose Value is now {v}"
                    ); // BAD
                    stack.push(elem);
                }
            })
        })
        .collect();
    super::join_all(threads);
}
