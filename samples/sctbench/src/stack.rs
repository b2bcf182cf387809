//! `stack`, from the CS suite (SCTBench `concurrent-software-benchmarks/stack_bad.c`).
//!
//! A bounded array stack (size 10) under one mutex. `t1` pushes 0..10, setting `flag` after
//! each push; `t2` makes 10 attempts, each popping (and asserting there was no underflow)
//! whenever `flag` is set. `flag` is never cleared, so once `t1` pushed one element `t2` may pop
//! more elements than were pushed: the assertion fails when `t2` gets the mutex twice in a row
//! after a push. SCTBench lists 3 threads, 43 scheduling points. Depth: an ordering bug, no
//! preemption inside a critical section is needed.
//!
//! `stack_fixed` is the suite's `stack_ok`: `t2` pops only when the stack is non-empty, and `t1`
//! no longer needs `flag`.

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

const SIZE: usize = 10;
const OVERFLOW: i32 = -1;
const UNDERFLOW: i32 = -2;

struct Stack {
    top: usize,
    arr: [u32; SIZE],
    flag: bool,
}

impl Stack {
    fn push(&mut self, x: u32) -> i32 {
        if self.top == SIZE {
            return OVERFLOW;
        }
        self.arr[self.top] = x;
        self.top += 1;
        0
    }

    fn pop(&mut self) -> i32 {
        if self.top == 0 {
            return UNDERFLOW;
        }
        self.top -= 1;
        self.arr[self.top] as i32
    }
}

async fn run(fixed: bool) {
    let m = Arc::new(Mutex::new(Stack {
        top: 0,
        arr: [0; SIZE],
        flag: false,
    }));
    let id1 = {
        let m = m.clone();
        task::spawn(async move {
            for i in 0..SIZE as u32 {
                let mut s = m.lock().await;
                assert!(s.push(i) != OVERFLOW, "stack: overflow");
                if !fixed {
                    s.flag = true;
                }
            }
        })
    };
    let id2 = task::spawn(async move {
        for _ in 0..SIZE {
            let mut s = m.lock().await;
            if fixed {
                if s.top > 0 {
                    s.pop();
                }
            } else if s.flag {
                assert!(s.pop() != UNDERFLOW, "stack: underflow"); // BAD
            }
        }
    });
    id1.await.unwrap();
    id2.await.unwrap();
}

/// The program; `t2` can pop an empty stack.
pub async fn stack() {
    run(false).await
}

/// `stack_ok`: pop only a non-empty stack.
pub async fn stack_fixed() {
    run(true).await
}
