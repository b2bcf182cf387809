//! `stack`: `t2` pops whenever `flag` is set, even from an empty stack.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

const SIZE: usize = 10;

struct Stack {
    top: usize,
    arr: [u32; SIZE],
    flag: bool,
}

pub fn stack() {
    let m = Arc::new(Mutex::new(Stack {
        top: 0,
        arr: [0; SIZE],
        flag: false,
    }));
    let m1 = m.clone();
    let t1 = thread::spawn(move || {
        for i in 0..SIZE as u32 {
            let mut s = m1.lock_ok();
            assert!(s.top < SIZE, "stack: overflow");
            let top = s.top;
            s.arr[top] = i;
            s.top += 1;
            s.flag = true;
        }
    });
    let t2 = thread::spawn(move || {
        for _ in 0..SIZE {
            let mut s = m.lock_ok();
            if s.flag {
                assert!(s.top > 0, "stack: underflow");
                s.top -= 1;
                let _ = s.arr[s.top];
            }
        }
    });
    super::join_all(vec![t1, t2]);
}
