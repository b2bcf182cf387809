//! The pool: every share of a test's run and the worker process running it, one slot each.
//!
//! Invariants: a slot's share and process are created and dropped together (the pool owns
//! both, so a slot index always names the same pair); stopping a share and killing its process
//! are one step; a capture re-run is stopped only by [`Pool::kill_all`] with `captures_too`.

use super::share::Share;
use crate::process::{ExitInfo, PoolEvent, Process};
use crate::Error;
use crossbeam_channel::{Receiver, Sender};

struct Slot {
    share: Share,
    process: Process,
}

/// The shares of a test's run and their worker processes.
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

    /// What the workers report, by slot.
    pub(crate) fn events(&self) -> &Receiver<PoolEvent> {
        &self.rx
    }

    /// Starts a worker for `share`; returns its slot.
    pub(crate) fn spawn(&mut self, share: Share) -> Result<usize, Error> {
        let slot = self.slots.len();
        let process = Process::spawn(&share.spec, slot, self.tx.clone())
            .map_err(Error::io("cannot start a worker process"))?;
        self.slots.push(Slot { share, process });
        Ok(slot)
    }

    pub(crate) fn share(&self, slot: usize) -> &Share {
        &self.slots[slot].share
    }

    pub(crate) fn share_mut(&mut self, slot: usize) -> &mut Share {
        &mut self.slots[slot].share
    }

    /// Every share, in slot order.
    pub(crate) fn shares(&self) -> impl Iterator<Item = &Share> {
        self.slots.iter().map(|s| &s.share)
    }

    /// Waits for a closed worker to exit and says how it ended.
    pub(crate) fn reap(&mut self, slot: usize) -> ExitInfo {
        self.slots[slot].process.reap()
    }

    /// Whether every share's worker has exited.
    pub(crate) fn all_ended(&self) -> bool {
        self.shares().all(Share::is_ended)
    }

    fn stop(slot: &mut Slot) {
        slot.share.stop();
        slot.process.kill();
    }

    /// Stops every running work share that has finished more iterations than `at`, the earliest
    /// iteration with a bug: it can no longer find an earlier one.
    pub(crate) fn stop_past(&mut self, at: Option<u64>) {
        let Some(at) = at else { return };
        for slot in &mut self.slots {
            let sh = &slot.share;
            if !sh.is_ended() && !sh.is_capture() && sh.iterations > at && slot.process.is_running()
            {
                Pool::stop(slot);
            }
        }
    }

    /// Asks every running work share to stop after its current iteration and report its
    /// result (through its stop word; capture re-runs go on).
    pub(crate) fn ask_all_to_stop(&mut self) {
        for slot in &mut self.slots {
            if !slot.share.is_ended() && !slot.share.is_capture() {
                slot.share.ask_to_stop();
            }
        }
    }

    /// Stops every running work share, and the capture re-runs too if `captures_too`.
    pub(crate) fn kill_all(&mut self, captures_too: bool) {
        for slot in &mut self.slots {
            let sh = &slot.share;
            if sh.is_ended() || (sh.is_capture() && !captures_too) {
                continue;
            }
            if slot.process.is_running() {
                Pool::stop(slot);
            }
        }
    }

    /// Capture re-runs still running.
    pub(crate) fn capturing(&self) -> usize {
        self.shares()
            .filter(|sh| sh.is_capture() && !sh.is_ended())
            .count()
    }
}
