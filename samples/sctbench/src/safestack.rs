//! `safestack`, from SCTBench's `safestack` (a lock-free stack posted by Dmitry Vyukov to the
//! Relacy race detector's mailing list, ported to C++11 atomics and pthreads by SCTBench).
//!
//! A stack of 3 nodes kept as an index-linked list with atomic `head`, `count` and per-node
//! `Next`. `Pop` spins while `count > 1`: it claims the head's `Next` by exchanging it with -1,
//! then CASes `head` from the node to its successor (restoring `Next` if the CAS failed);
//! `Push` links the node to the current head and CASes `head`. Three threads each pop a node
//! (spinning with `sched_yield` until one is available), write their id into its `Value`,
//! assert that `Value` still holds their id, and push it back, twice. The bug is an ABA race
//! between a popper's exchange/CAS and other threads' pop-push pairs that lets two threads own
//! the same node, so one thread's `Value` overwrites the other's between its write and its
//! check. SCTBench lists 4 threads, 117 scheduling points; in the SCTBench study it was the
//! suite's hardest bug (it needs several preemptions at precise points among three threads).
//! Measured here: a random walk finds it after about 10^5 iterations (3 of 3 seeds within
//! 200,000, median about 114,000), every other strategy, and shuttle, found it in none of 3
//! seeds within 200,000 iterations. That is beyond the 10,000-iteration budget of the unit
//! tests and of `bench-bugs`: **the unit test is ignored** (it runs 300,000 random iterations
//! when asked to); the program is kept for the benchmark.
//!
//! Every atomic operation and each access to `Value` (volatile) is a scheduling point;
//! `sched_yield` is `yield_now`. No fixed variant: the original has none.

use crate::shared::Shared;
use coyote_harness::task;
use std::sync::Arc;

const NUM_THREADS: i32 = 3;

struct Item {
    value: Shared<i32>,
    next: Shared<i32>,
}

struct SafeStack {
    head: Shared<i32>,
    count: Shared<i32>,
    array: Vec<Item>,
}

impl SafeStack {
    fn new(push_count: i32) -> Self {
        let array = (0..push_count)
            .map(|i| Item {
                value: Shared::new(0),
                next: Shared::new(if i < push_count - 1 { i + 1 } else { -1 }),
            })
            .collect();
        SafeStack {
            head: Shared::new(0),
            count: Shared::new(push_count),
            array,
        }
    }

    async fn pop(&self) -> i32 {
        while self.count.load().await > 1 {
            let head1 = self.head.load().await;
            let next1 = self.array[head1 as usize].next.exchange(-1).await;
            if next1 >= 0 {
                if self.head.compare_exchange(head1, next1).await.is_ok() {
                    self.count.rmw(|c| *c -= 1).await;
                    return head1;
                } else {
                    self.array[head1 as usize].next.exchange(next1).await;
                }
            } else {
                task::yield_now().await;
            }
        }
        -1
    }

    async fn push(&self, index: i32) {
        let mut head1 = self.head.load().await;
        loop {
            self.array[index as usize].next.store(head1).await;
            match self.head.compare_exchange(head1, index).await {
                Ok(_) => break,
                Err(actual) => head1 = actual,
            }
        }
        self.count.rmw(|c| *c += 1).await;
    }
}

/// The program (3 threads, 2 rounds each).
pub async fn safestack() {
    let stack = Arc::new(SafeStack::new(3));
    let threads: Vec<_> = (0..NUM_THREADS)
        .map(|idx| {
            let stack = stack.clone();
            task::spawn(async move {
                for _ in 0..2 {
                    let elem = loop {
                        let elem = stack.pop().await;
                        if elem >= 0 {
                            break elem;
                        }
                        task::yield_now().await;
                    };
                    let node = &stack.array[elem as usize];
                    node.value.store(idx).await;
                    let v = node.value.load().await;
                    assert!(
                        v == idx,
                        "safestack: thread {idx} owns node {elem}, whose Value is now {v}"
                    ); // BAD
                    stack.push(elem).await;
                }
            })
        })
        .collect();
    for t in threads {
        t.await.unwrap();
    }
}
