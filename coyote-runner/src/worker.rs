//! The worker process: `coyote __worker` reads a [`WorkerSpec`] from the environment
//! ([`SPEC_ENV`]), loads the library, runs its share of iterations inside it, and writes
//! [`WorkerMessage`] lines to its parent.
//!
//! Invariants: the protocol goes to a private copy of the original stdout; fd 1 is pointed at
//! stderr first, so anything the user's code prints can never corrupt the protocol. Every
//! message is flushed as it is written, so a crash loses nothing already found. The heartbeat
//! counter lives in a shared file mapping the parent can read after the worker died; the
//! watchdog thread turns an iteration that outlives the iteration timeout into a `hang` message.

use crate::library::Library;
use crate::{Error, Host};
use coyote_core::abi::{RunRequest, WorkerMessage};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the parent asks a worker to do.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct WorkerSpec {
    pub(crate) lib: PathBuf,
    pub(crate) request: RunRequest,
    pub(crate) heartbeat_file: PathBuf,
    pub(crate) iteration_timeout_ms: u64,
    /// `--allow-real-clock`.
    #[serde(default)]
    pub(crate) allow_real_clock: bool,
}

/// The environment variable that carries a worker's [`WorkerSpec`] (JSON).
pub(crate) const SPEC_ENV: &str = "COYOTE_WORKER_SPEC";

/// Exit status of a worker whose watchdog fired.
pub(crate) const HANG_EXIT: i32 = 86;

type Out = Arc<Mutex<File>>;

fn send(out: &Out, line: &str) {
    let mut f = out.lock().unwrap_or_else(|e| e.into_inner());
    let _ = f.write_all(line.as_bytes());
    let _ = f.write_all(b"\n");
    let _ = f.flush();
}

fn send_msg(out: &Out, msg: &WorkerMessage) {
    send(out, &serde_json::to_string(msg).expect("serialises"));
}

/// The heartbeat counter: the first 8 bytes of `path`, mapped shared so the parent can read it
/// after we die, followed by the stop word (the next 8 bytes, which the parent sets to ask the
/// run to stop: see `RunRequest::stop_word`). The mapping is leaked: it lives as long as the
/// process.
fn map_heartbeat(path: &PathBuf) -> std::io::Result<&'static AtomicU64> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    f.set_len(16)?;
    // SAFETY: the file is this worker's own heartbeat (the parent only reads it, and writes
    // only the stop word, in place), so nothing truncates it under the mapping.
    let map: &'static mut memmap2::MmapMut = Box::leak(Box::new(unsafe {
        memmap2::MmapOptions::new().len(16).map_mut(&f)?
    }));
    // SAFETY: the mapping is 16 bytes, page-aligned (so aligned for AtomicU64), never unmapped,
    // and from here on only accessed through this atomic and the one after it (the harness
    // reads that one as the stop word).
    Ok(unsafe { AtomicU64::from_ptr(map.as_mut_ptr().cast::<u64>()) })
}

/// The worker process's main: runs the share its parent put in `COYOTE_WORKER_SPEC`; returns the
/// process's exit status.
pub fn worker_main(host: Host) -> Result<i32, Error> {
    // SAFETY: plain fd juggling before any other thread exists.
    let proto = unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            return Err(Error::Internal("cannot set up the worker protocol".into()));
        }
        File::from_raw_fd(fd)
    };
    let out: Out = Arc::new(Mutex::new(proto));
    let input = std::env::var(SPEC_ENV).map_err(|_| {
        Error::Internal(format!(
            "{SPEC_ENV} is not set: `__worker` is started by `coyote test`"
        ))
    })?;
    // Before any other thread exists; the user's code need not see it.
    std::env::remove_var(SPEC_ENV);
    let spec: WorkerSpec = serde_json::from_str(&input)
        .map_err(|e| Error::Internal(format!("bad worker spec: {e}")))?;
    let heartbeat =
        map_heartbeat(&spec.heartbeat_file).map_err(Error::io("cannot map the heartbeat file"))?;
    (host.allow_real_clock)(spec.allow_real_clock);

    crate::stuck::install();
    // The iteration thread's pthread_t (0 until it starts), for the stuck thread's backtrace.
    let iterating = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let iterating_w = iterating.clone();
    let watchdog_out = out.clone();
    let timeout = Duration::from_millis(spec.iteration_timeout_ms.max(1));
    std::thread::spawn(move || {
        let mut last = heartbeat.load(Ordering::Relaxed);
        let mut since = Instant::now();
        let mut diagnosing_since: Option<Instant> = None;
        loop {
            std::thread::sleep(Duration::from_millis(20));
            let now = heartbeat.load(Ordering::Relaxed);
            // The harness's own diagnosis of a real-clock hit is not the user's time (bounded,
            // in case rendering a backtrace itself gets stuck).
            if (host.diagnosing)() {
                let started = *diagnosing_since.get_or_insert_with(Instant::now);
                if started.elapsed() < Duration::from_secs(30) {
                    since = Instant::now();
                    continue;
                }
            } else {
                diagnosing_since = None;
            }
            if now != last {
                last = now;
                since = Instant::now();
            } else if now > 0 && since.elapsed() > timeout {
                let elapsed_ms = since.elapsed().as_millis() as u64;
                let thread = iterating_w.load(Ordering::Relaxed);
                let (backtrace, location) = match (thread != 0)
                    .then(|| crate::stuck::backtrace_of(thread as libc::pthread_t))
                    .flatten()
                {
                    Some((bt, loc)) => (Some(bt), loc),
                    None => (None, None),
                };
                send_msg(
                    &watchdog_out,
                    &WorkerMessage::Hang {
                        iteration: now - 1,
                        elapsed_ms,
                        backtrace,
                        location,
                    },
                );
                // SAFETY: leaving at once is the point: the user's code is stuck.
                unsafe { libc::_exit(HANG_EXIT) };
            }
        }
    });

    let run_out = out.clone();
    let runner = std::thread::Builder::new()
        .name("coyote-iterations".into())
        .stack_size(64 << 20)
        .spawn(move || -> i32 {
            // SAFETY: pthread_self has no preconditions.
            iterating.store(unsafe { libc::pthread_self() } as usize, Ordering::Relaxed);
            let lib = match Library::open(&spec.lib) {
                Ok(l) => l,
                Err(e) => {
                    send_msg(
                        &run_out,
                        &WorkerMessage::Error {
                            message: e.to_string(),
                        },
                    );
                    return 2;
                }
            };
            let mut on_event = |json: &str| {
                send(&run_out, &format!("{{\"msg\":\"event\",\"event\":{json}}}"));
            };
            match lib.run(&spec.request, &mut on_event, Some(heartbeat)) {
                Ok(result) => {
                    if let Some(e) = &result.error {
                        send_msg(&run_out, &WorkerMessage::Error { message: e.clone() });
                        return 2;
                    }
                    send_msg(&run_out, &WorkerMessage::Done { result });
                    0
                }
                Err(e) => {
                    send_msg(
                        &run_out,
                        &WorkerMessage::Error {
                            message: e.to_string(),
                        },
                    );
                    2
                }
            }
        })
        .map_err(Error::io("cannot start the iteration thread"))?;
    let code = runner.join().unwrap_or(3);
    Ok(code)
}
