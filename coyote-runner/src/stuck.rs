//! The backtrace of a stuck iteration thread, for a hang bug: when the worker's watchdog sees
//! an iteration run past `--iteration-timeout`, it signals the iteration thread (`SIGURG`,
//! which programs leave alone); the handler captures the thread's stack unresolved
//! (`Backtrace::force_capture`, which only unwinds) into a slot, and the watchdog resolves and
//! formats it, user frames first.
//!
//! Invariants: the handler never blocks (it gives up if the slot is busy); the watchdog waits
//! at most [`WAIT`] for it, so a thread that cannot take the signal (or a stack that cannot be
//! unwound) costs a missing backtrace, never a hang of the hang report. A frame is the user's
//! when its source file is on this machine and is not the standard library, a crate from a
//! registry, or coyote's own.

use coyote_core::backtrace::{frames, Frame};
use std::backtrace::Backtrace;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the watchdog waits for the stuck thread's stack.
const WAIT: Duration = Duration::from_secs(2);

static SLOT: Mutex<Option<Backtrace>> = Mutex::new(None);

extern "C" fn on_signal(_: libc::c_int) {
    let bt = Backtrace::force_capture();
    if let Ok(mut slot) = SLOT.try_lock() {
        *slot = Some(bt);
    }
}

/// Installs the handler (once per worker, before the iteration thread starts).
pub(crate) fn install() {
    // SAFETY: a plain handler install before the threads that could take the signal exist.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGURG, &sa, std::ptr::null_mut());
    }
}

fn is_user(f: &Frame<'_>) -> bool {
    let Some(at) = f.at else { return false };
    const NOT_USER: [&str; 8] = [
        "/rustc/",
        "/.cargo/registry/",
        "/.cargo/git/",
        "/library/std/",
        "/library/core/",
        "coyote-harness/src/",
        "coyote-runner/src/",
        "coyote-core/src/",
    ];
    // The C library's frames name sources that are not on this machine.
    let file = at.rsplitn(3, ':').nth(2).unwrap_or(at);
    !NOT_USER.iter().any(|p| at.contains(p)) && std::path::Path::new(file).exists()
}

/// A path relative to the working directory when it is below it.
fn relative(at: &str) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            at.strip_prefix(&*cwd.to_string_lossy())
                .map(|r| r.trim_start_matches('/').to_string())
        })
        .unwrap_or_else(|| at.to_string())
        .trim_start_matches("./")
        .to_string()
}

/// The text of a stuck thread's backtrace, user frames first, and the first user frame's
/// location.
fn render(rendered: &str) -> (String, Option<String>) {
    let fs = frames(rendered);
    let (user, other): (Vec<&Frame<'_>>, Vec<&Frame<'_>>) = fs.iter().partition(|f| is_user(f));
    let mut text = String::new();
    for f in &user {
        let at = relative(f.at.unwrap_or_default());
        text.push_str(&format!("  {} at {at}\n", f.symbol));
    }
    if !other.is_empty() {
        text.push_str(&format!(
            "  ... and {} frames of std, coyote and dependencies: {}\n",
            other.len(),
            other
                .iter()
                .take(12)
                .map(|f| f.symbol)
                .collect::<Vec<_>>()
                .join(" < ")
        ));
    }
    let location = user.first().and_then(|f| f.at).map(relative);
    (text.trim_end().to_string(), location)
}

/// Takes the backtrace of `thread`, stuck: its text (user frames first) and the first user
/// frame's location; `None` when the thread did not answer within [`WAIT`].
pub(crate) fn backtrace_of(thread: libc::pthread_t) -> Option<(String, Option<String>)> {
    // SAFETY: `thread` is the worker's live iteration thread; the handler is installed.
    if unsafe { libc::pthread_kill(thread, libc::SIGURG) } != 0 {
        return None;
    }
    let started = Instant::now();
    while started.elapsed() < WAIT {
        if let Some(bt) = SLOT.lock().ok().and_then(|mut s| s.take()) {
            return Some(render(&bt.to_string()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_frames_come_first_with_their_location() {
        let rendered = "   0: std::backtrace::Backtrace::force_capture
             at /rustc/abc/library/std/src/backtrace.rs:312:13
   1: coyote_runner::stuck::on_signal
             at /w/coyote-runner/src/stuck.rs:22:14
   2: <unknown>
   3: faulty::std_mutex_across_await::{{closure}}
             at USER:101:22
   4: std::sync::mutex::Mutex<T>::lock
             at /rustc/abc/library/std/src/sync/mutex.rs:317:24
   5: coyote_harness::rt::executor::run_loop::poll_task
             at /w/coyote-harness/src/rt/executor/run_loop.rs:260:40
";
        // A user file that exists (the C library's do not, on a user's machine).
        let user = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let (text, loc) = render(&rendered.replace("USER", user));
        // Relative to the working directory, as the package's tests run in it.
        assert_eq!(loc.as_deref(), Some("Cargo.toml:101:22"));
        assert!(text
            .starts_with("  faulty::std_mutex_across_await::{{closure}} at Cargo.toml:101:22\n"));
        assert!(text.contains("... and 5 frames of std, coyote and dependencies: "));
    }

    #[test]
    fn a_stuck_thread_s_stack_is_taken() {
        install();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            // SAFETY: pthread_self has no preconditions.
            tx.send(unsafe { libc::pthread_self() }).unwrap();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(5) {
                std::hint::spin_loop();
            }
        });
        let thread = rx.recv().unwrap();
        let (text, _) = backtrace_of(thread).expect("a backtrace");
        assert!(text.contains("a_stuck_thread_s_stack_is_taken"), "{text}");
        t.join().unwrap();
    }
}
