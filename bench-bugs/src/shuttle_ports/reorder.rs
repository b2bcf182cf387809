//! `reorder_N`: setters write `a = 1; b = -1`, checkers assert they see both or neither.

use shuttle::sync::atomic::{AtomicI32, Ordering::SeqCst};
use shuttle::thread;
use std::sync::Arc;

pub fn reorder(i_set: usize, i_check: usize) {
    let v = Arc::new((AtomicI32::new(0), AtomicI32::new(0)));
    let mut handles = Vec::new();
    for _ in 0..i_set {
        let v = v.clone();
        handles.push(thread::spawn(move || {
            v.0.store(1, SeqCst);
            v.1.store(-1, SeqCst);
        }));
    }
    for _ in 0..i_check {
        let v = v.clone();
        handles.push(thread::spawn(move || {
            let ok = (v.0.load(SeqCst) == 0 && v.1.load(SeqCst) == 0)
                || (v.0.load(SeqCst) == 1 && v.1.load(SeqCst) == -1);
            assert!(ok, "reorder: a checker saw a half-done set");
        }));
    }
    super::join_all(handles);
}
