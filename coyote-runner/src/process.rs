//! Worker processes: start one, read its protocol lines and stderr, see how it ended.
//!
//! Invariants: every worker runs in its own process group (a terminal Ctrl-C reaches only the
//! parent, which stops workers itself); every protocol line a worker wrote reaches the channel
//! before that worker's [`PoolEvent::Closed`]; the last stderr lines of each worker are kept for
//! crash reports; a [`Process`] dropped while running is killed and reaped.

use crate::worker::WorkerSpec;
use coyote_core::abi::WorkerMessage;
use crossbeam_channel::Sender;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

const TAIL_LINES: usize = 20;

/// What the pool's processes report, by slot.
pub(crate) enum PoolEvent {
    /// A protocol message from a worker slot.
    Msg(usize, WorkerMessage),
    /// A worker's stdout closed: it exited (or is exiting).
    Closed(usize),
}

/// How a worker ended.
#[derive(Debug, Clone)]
pub(crate) struct ExitInfo {
    pub(crate) code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) stderr_tail: Vec<String>,
}

impl ExitInfo {
    pub(crate) fn describe(&self) -> String {
        match (self.code, self.signal) {
            (_, Some(sig)) => format!("killed by signal {sig} ({})", signal_name(sig)),
            (Some(c), None) => format!("exited with status {c}"),
            (None, None) => "ended".into(),
        }
    }
}

pub(crate) fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGTRAP => "SIGTRAP",
        _ => "signal",
    }
}

/// One running (or exited) worker process.
pub(crate) struct Process {
    child: Option<Child>,
    stderr: Option<JoinHandle<()>>,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Process {
    /// Starts a worker for `spec` whose messages reach `tx` as slot `slot`'s.
    pub(crate) fn spawn(
        spec: &WorkerSpec,
        slot: usize,
        tx: Sender<PoolEvent>,
    ) -> std::io::Result<Process> {
        let exe = std::env::current_exe()?;
        // The spec travels in the environment, not a pipe: nothing the parent writes can meet a
        // closed reader, so the parent can die of SIGPIPE only on its own stdout.
        let mut child = Command::new(exe)
            .arg("__worker")
            .env(
                crate::worker::SPEC_ENV,
                serde_json::to_string(spec).expect("serialises"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(msg) = serde_json::from_str::<WorkerMessage>(&line) {
                    if tx.send(PoolEvent::Msg(slot, msg)).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(PoolEvent::Closed(slot));
        });
        let stderr = child.stderr.take().expect("piped");
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let t = tail.clone();
        let stderr = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
                if t.len() == TAIL_LINES {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
        Ok(Process {
            child: Some(child),
            stderr: Some(stderr),
            tail,
        })
    }

    /// Waits for the closed worker to exit and says how it ended.
    pub(crate) fn reap(&mut self) -> ExitInfo {
        let status = self.child.take().and_then(|mut c| c.wait().ok());
        if let Some(h) = self.stderr.take() {
            let _ = h.join();
        }
        let tail = self
            .tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        ExitInfo {
            code: status.and_then(|s| s.code()),
            signal: status.and_then(|s| s.signal()),
            stderr_tail: tail,
        }
    }

    /// Kills the worker (it still reports `Closed`).
    pub(crate) fn kill(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
        }
    }

    /// Whether the worker has not been reaped yet.
    pub(crate) fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
