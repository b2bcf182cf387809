//! Worker processes: start them, read their protocol lines and stderr, see how they ended.
//!
//! Invariants: every worker runs in its own process group (a terminal Ctrl-C reaches only the
//! parent, which stops workers itself); every protocol line a worker wrote reaches the channel
//! before that worker's `Exited` event; the last stderr lines of each worker are kept for crash
//! reports.

use crate::worker::WorkerSpec;
use coyote_core::abi::WorkerMessage;
use crossbeam_channel::{Receiver, Sender};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

const TAIL_LINES: usize = 20;

/// What the pool reports.
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

struct Slot {
    child: Option<Child>,
    stderr: Option<JoinHandle<()>>,
    tail: Arc<Mutex<VecDeque<String>>>,
}

/// The running workers.
pub(crate) struct Pool {
    tx: Sender<PoolEvent>,
    rx: Receiver<PoolEvent>,
    slots: Vec<Slot>,
}

impl Pool {
    pub(crate) fn new() -> Pool {
        let (tx, rx) = crossbeam_channel::unbounded();
        Pool {
            tx,
            rx,
            slots: Vec::new(),
        }
    }

    pub(crate) fn events(&self) -> &Receiver<PoolEvent> {
        &self.rx
    }

    /// Starts a worker; returns its slot.
    pub(crate) fn spawn(&mut self, spec: &WorkerSpec) -> std::io::Result<usize> {
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
        let slot = self.slots.len();
        let stdout = child.stdout.take().expect("piped");
        let tx = self.tx.clone();
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
        self.slots.push(Slot {
            child: Some(child),
            stderr: Some(stderr),
            tail,
        });
        Ok(slot)
    }

    /// Waits for a closed worker to exit and says how it ended.
    pub(crate) fn reap(&mut self, slot: usize) -> ExitInfo {
        let s = &mut self.slots[slot];
        let status = s.child.take().and_then(|mut c| c.wait().ok());
        if let Some(h) = s.stderr.take() {
            let _ = h.join();
        }
        let tail = s
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

    /// Kills a worker (it will still report `Closed`).
    pub(crate) fn kill(&mut self, slot: usize) {
        if let Some(c) = self.slots[slot].child.as_mut() {
            let _ = c.kill();
        }
    }

    /// Whether any worker is still running.
    pub(crate) fn is_running(&self, slot: usize) -> bool {
        self.slots[slot].child.is_some()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for s in &mut self.slots {
            if let Some(c) = s.child.as_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}
