//! `stringbuffer`: `append(other)` reads `other`'s length and characters in two critical sections.

use super::LockExt;
use shuttle::sync::Mutex;
use shuttle::thread;
use std::sync::Arc;

pub fn stringbuffer() {
    let buffer = Arc::new(Mutex::new(b"abc".to_vec()));
    let b = buffer.clone();
    let thd = thread::spawn(move || {
        b.lock_ok().drain(0..3);
        b.lock_ok().extend_from_slice(b"abc");
    });
    let sb = Mutex::new(Vec::new());
    {
        let mut me = sb.lock_ok();
        let len = buffer.lock_ok().len();
        let other = buffer.lock_ok();
        assert!(
            len <= other.len(),
            "stringbuffer: getChars srcEnd {len} > count {}",
            other.len()
        );
        me.extend_from_slice(&other[..len]);
    }
    let _ = thd.join();
}
