//! The worker processes that evaluate a minimisation's candidates: each is the `coyote` binary
//! behind the hidden `__replay-worker` subcommand, holding the library open and answering one
//! [`ReplayRequest`] per line on stdin with one [`ReplayResult`] per line on its own copy of
//! stdout (the user's prints go to its stderr, discarded).
//!
//! Invariants: a batch's results come back in the candidates' order, whatever order the workers
//! finish in; a candidate whose worker dies or runs longer than the timeout has no result (it is
//! rejected) and the worker is replaced, so one bad candidate never stops the search.

use crate::library::Library;
use crate::{Error, Host};
use coyote_core::abi::{ReplayRequest, ReplayResult};
use crossbeam_channel::{Receiver, Sender};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming the library of a replay worker.
const LIB_ENV: &str = "COYOTE_REPLAY_WORKER_LIB";

/// The `__replay-worker` process's main; returns its exit status.
pub fn replay_worker_main(host: Host) -> Result<i32, Error> {
    // SAFETY: plain fd juggling before any other thread exists.
    let mut proto = unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            return Err(Error::Internal("cannot set up the replay worker".into()));
        }
        File::from_raw_fd(fd)
    };
    let lib = std::env::var_os(LIB_ENV).ok_or_else(|| {
        Error::Internal(format!(
            "{LIB_ENV} is not set: `__replay-worker` is started by `coyote minimize`"
        ))
    })?;
    let lib = Library::open(Path::new(&lib))?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(Error::io("cannot read a replay request"))?;
        let req: ReplayRequest = serde_json::from_str(&line)
            .map_err(|e| Error::Internal(format!("bad replay request: {e}")))?;
        (host.allow_real_clock)(req.trace.allow_real_clock);
        let result = lib.replay(&req)?;
        let json = serde_json::to_string(&result).expect("serialises");
        writeln!(proto, "{json}").map_err(Error::io("cannot answer"))?;
    }
    Ok(0)
}

/// One worker: its process, its stdin, and the channel its answers arrive on.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<ReplayResult>,
}

impl Worker {
    fn spawn(lib: &Path) -> Result<Worker, Error> {
        let exe =
            std::env::current_exe().map_err(Error::io("cannot find the coyote executable"))?;
        let mut child = Command::new(exe)
            .arg("__replay-worker")
            .env(LIB_ENV, lib)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(Error::io("cannot start a replay worker"))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, answers): (Sender<ReplayResult>, _) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(r) = serde_json::from_str(&line) else {
                    break;
                };
                if tx.send(r).is_err() {
                    break;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            answers,
        })
    }

    fn send(&mut self, req: &ReplayRequest) -> bool {
        let json = serde_json::to_string(req).expect("serialises");
        writeln!(self.stdin, "{json}").is_ok() && self.stdin.flush().is_ok()
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replay workers over one library.
pub(crate) struct Workers {
    lib: PathBuf,
    idle: Vec<Worker>,
    size: usize,
    timeout: Duration,
    /// Candidates evaluated so far.
    pub(crate) evaluated: u64,
}

impl Workers {
    /// Up to `size` workers over `lib`; a candidate running longer than `timeout` is rejected.
    pub(crate) fn new(lib: &Path, size: usize, timeout: Duration) -> Workers {
        Workers {
            lib: lib.to_path_buf(),
            idle: Vec::new(),
            size: size.max(1),
            timeout,
            evaluated: 0,
        }
    }

    fn take(&mut self) -> Result<Worker, Error> {
        match self.idle.pop() {
            Some(w) => Ok(w),
            None => Worker::spawn(&self.lib),
        }
    }

    /// Evaluates `requests` in parallel: each one's result, in order (`None`: its worker died
    /// or timed out).
    pub(crate) fn eval(
        &mut self,
        requests: &[ReplayRequest],
    ) -> Result<Vec<Option<ReplayResult>>, Error> {
        let mut results: Vec<Option<ReplayResult>> = vec![None; requests.len()];
        let mut next = 0;
        // (worker, request index, started)
        let mut busy: Vec<(Worker, usize, Instant)> = Vec::new();
        while next < requests.len() || !busy.is_empty() {
            while busy.len() < self.size && next < requests.len() {
                let mut w = self.take()?;
                if w.send(&requests[next]) {
                    busy.push((w, next, Instant::now()));
                } else {
                    w.kill();
                }
                next += 1;
            }
            let mut i = 0;
            let mut progressed = false;
            while i < busy.len() {
                let (w, at, started) = &busy[i];
                match w.answers.try_recv() {
                    Ok(r) => {
                        results[*at] = Some(r);
                        let (w, ..) = busy.swap_remove(i);
                        self.idle.push(w);
                        progressed = true;
                        continue;
                    }
                    Err(crossbeam_channel::TryRecvError::Disconnected) => {
                        let (w, ..) = busy.swap_remove(i);
                        w.kill();
                        progressed = true;
                        continue;
                    }
                    Err(crossbeam_channel::TryRecvError::Empty)
                        if started.elapsed() > self.timeout =>
                    {
                        let (w, ..) = busy.swap_remove(i);
                        w.kill();
                        progressed = true;
                        continue;
                    }
                    Err(_) => {}
                }
                let _ = at;
                i += 1;
            }
            if !progressed {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        self.evaluated += requests.len() as u64;
        Ok(results)
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for w in self.idle.drain(..) {
            w.kill();
        }
    }
}
