//! `stringbuffer`, from the CB (concurrency bugs) suite (SCTBench
//! `conc-bugs/stringbuffer-jdk1.4`, Jie Yu's C++ model of a JDK 1.4 `StringBuffer` bug).
//!
//! Every `StringBuffer` method locks the buffer's own mutex, but `sb.append(other)` is not
//! atomic with respect to `other`: it reads `other.length()` (locking `other`), then calls
//! `other.getChars(0, len, ...)` (locking `other` again), which asserts `len <= other.count`. A
//! thread that runs `buffer.erase(0, 3)` between the two calls makes the assertion fail (the
//! Java original throws `StringIndexOutOfBoundsException`). The same thread then appends
//! `"abc"` again, so the window closes. SCTBench lists 2 threads, 10 scheduling points. Depth:
//! one preemption of `main` between `length()` and `getChars()`.
//!
//! `stringbuffer_fixed` has `append(other)` hold `other`'s lock across reading its length and
//! copying its characters (lock order: the appended-to buffer, then the source).

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

/// A string buffer: `value[..count]`, every method under the buffer's mutex.
pub struct StringBuffer {
    value: Mutex<Vec<u8>>,
}

impl StringBuffer {
    fn new(s: &str) -> Self {
        StringBuffer {
            value: Mutex::new(s.as_bytes().to_vec()),
        }
    }

    async fn length(&self) -> usize {
        self.value.lock().await.len()
    }

    async fn get_chars(&self, src_begin: usize, src_end: usize, dst: &mut Vec<u8>) {
        let v = self.value.lock().await;
        assert!(
            src_end <= v.len(),
            "stringbuffer: getChars srcEnd {src_end} > count {}",
            v.len()
        ); // BAD
        assert!(src_begin <= src_end, "stringbuffer: srcBegin > srcEnd");
        dst.extend_from_slice(&v[src_begin..src_end]);
    }

    async fn append_buffer(&self, sb: &StringBuffer, fixed: bool) {
        let mut me = self.value.lock().await;
        if fixed {
            let other = sb.value.lock().await;
            let len = other.len();
            me.extend_from_slice(&other[..len]);
            return;
        }
        let len = sb.length().await;
        sb.get_chars(0, len, &mut me).await;
    }

    async fn append_str(&self, s: &str) {
        self.value.lock().await.extend_from_slice(s.as_bytes());
    }

    async fn erase(&self, start: usize, end: usize) {
        let mut v = self.value.lock().await;
        let end = end.min(v.len());
        assert!(start <= end, "stringbuffer: erase start > end");
        v.drain(start..end);
    }
}

async fn run(fixed: bool) {
    let buffer = Arc::new(StringBuffer::new("abc"));
    let thd = {
        let buffer = buffer.clone();
        task::spawn(async move {
            buffer.erase(0, 3).await;
            buffer.append_str("abc").await;
        })
    };
    let sb = StringBuffer::new("");
    sb.append_buffer(&buffer, fixed).await;
    thd.await.unwrap();
}

/// The program; `append` can read a stale length.
pub async fn stringbuffer() {
    run(false).await
}

/// `append` holds the source's lock throughout.
pub async fn stringbuffer_fixed() {
    run(true).await
}
