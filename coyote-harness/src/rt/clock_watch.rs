//! The real-clock watch, harness side: tells the `coyote` binary when a controlled task is being
//! polled, and turns what it saw (a clock read, a real sleep, an OS thread started) into an
//! `uncontrolled` failure (protocol:
//! [`coyote_core::abi::HostWatch`]).
//!
//! Invariants: the watch is armed only around a poll, on the thread that runs the iteration, and
//! disarmed before anything else runs; arming and disarming are relaxed stores, and checking for
//! a hit one relaxed load, so a poll pays three memory operations; outside the `coyote` binary
//! (no `coyote_host_watch_v1` symbol) there is no watch and nothing is paid.

use coyote_core::abi::{HostWatch, SYM_HOST_WATCH};
use coyote_core::trace::{BugKind, Failure};
use std::sync::atomic::Ordering::Relaxed;

/// The host's watch and this thread's identity in it.
#[derive(Clone, Copy)]
pub(crate) struct ClockWatch {
    host: &'static HostWatch,
    thread: usize,
}

impl ClockWatch {
    /// The watch of the `coyote` binary this library runs in, for the calling thread; `None`
    /// outside it. Forgets any hit left from earlier.
    pub(crate) fn find() -> Option<ClockWatch> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: the name is NUL-terminated; RTLD_DEFAULT searches the global scope.
            let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, SYM_HOST_WATCH.as_ptr().cast()) };
            if p.is_null() {
                return None;
            }
            // SAFETY: the `coyote` binary exports a static `HostWatch` under this name, and the
            // library's ABI version (which covers this layout) was checked before any run.
            let host: &'static HostWatch = unsafe { &*(p as *const HostWatch) };
            let watch = ClockWatch {
                host,
                // SAFETY: pthread_self has no preconditions.
                thread: unsafe { libc::pthread_self() } as usize,
            };
            watch.take();
            Some(watch)
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// Called right before polling a controlled task.
    #[inline]
    pub(crate) fn arm(&self) {
        self.host.polling_thread.store(self.thread, Relaxed);
    }

    /// Called right after the poll: whether the task used the real clock while armed.
    #[inline]
    pub(crate) fn disarm(&self) -> bool {
        self.host.polling_thread.store(0, Relaxed);
        self.host.hits.load(Relaxed) != 0
    }

    /// The host's description of the first hit (`clock <site>`, `sleep <site>`, `thread <site>`
    /// or `tokio <site>`: the clock read from inside tokio::time or tokio::net), and resets it.
    fn take(&self) -> String {
        let mut buf = [0u8; 512];
        // SAFETY: `take_hit` writes at most `buf.len()` bytes of UTF-8 into `buf`.
        let n = unsafe { (self.host.take_hit)(buf.as_mut_ptr(), buf.len()) };
        String::from_utf8_lossy(&buf[..n.min(buf.len())]).into_owned()
    }

    /// The failure for the hit the last [`disarm`](Self::disarm) saw, in `task`.
    pub(crate) fn failure(&self, task: String) -> Failure {
        let hit = self.take();
        let (word, site) = hit.split_once(' ').unwrap_or((hit.as_str(), ""));
        let what = if word == "sleep" {
            "slept on the real clock (std::thread::sleep) inside a controlled task; use coyote_harness::time::sleep, which is virtual under test and tokio's in production"
        } else if word == "tokio" {
            "used the real tokio crate (tokio::time or tokio::net, whose timers and sockets need a tokio runtime) inside a controlled task; use the drop-in, `tokio = { package = \"coyote-tokio\", ... }` in Cargo.toml, whose tokio paths are controlled in tests and are tokio in production (or coyote_harness::time)"
        } else if word == "thread" {
            "started an OS thread (std::thread::spawn) inside a controlled task; coyote cannot schedule what it does not control; use coyote_harness::task::spawn"
        } else {
            "read the real clock (std::time::Instant::now, SystemTime::now or clock_gettime) inside a controlled task; its value differs between runs, so schedules cannot be replayed; use coyote_harness::time, which is virtual under test and tokio's in production"
        };
        let (message, location) = match site {
            "" => (format!("the test {what}"), None),
            s if s.starts_with("in ") => (format!("the test {what} ({s})"), None),
            s => (format!("the test {what}"), Some(s.to_string())),
        };
        Failure {
            kind: BugKind::Uncontrolled,
            message,
            task: Some(task),
            location,
        }
    }
}
