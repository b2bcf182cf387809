//! The task table: every task of the iteration, its [`TaskState`], what it does next, and the
//! bookkeeping of joins.
//!
//! Invariants:
//! * task ids are dense and given in spawn order; task 0 is the test's entry future (`main`);
//! * a task's [`TaskBody`] is out of the table exactly while the task is polled, once it is
//!   done, and after its poll panicked (the iteration then ends), so a body never runs twice at
//!   once and is dropped outside any borrow of the table;
//! * a task is `Woken` when its waker was called since it was last polled (a new task is);
//!   only a `Woken` task (or a `Waiting` one with a timer, see the clock) may be picked; a
//!   done task is never polled again, whatever wakes it;
//! * a task's state is written here and in `pause.rs` only, each write beside its update of
//!   the woken mask (`woken.rs`), which the decisions read instead of scanning the table;
//! * `joins` of a task whose `kind` is [`OpKind::Join`] is the task it joins, or
//!   [`JOINS_SEVERAL`]; for any other kind it is stale and never read.

use super::op::OpKind;
use coyote_core::strategy::Access;
use std::any::Any;
use std::cell::{Cell, Ref, RefCell};
use std::panic::Location;
use std::task::Waker;

mod join;
mod names;
mod pause;
mod state;
mod woken;

pub(crate) use state::{LocalBoxFuture, Pause, TaskBody, TaskState};
pub(crate) use woken::push_ids;

pub(crate) struct Task {
    pub(crate) state: TaskState,
    pub(crate) pause: Pause,
    /// What the task does next (or waits on), and where, and the object it touches.
    pub(crate) kind: OpKind,
    pub(crate) access: Access,
    pub(crate) loc: &'static Location<'static>,
    /// For a join: the task it joins (main is never joined) or [`JOINS_SEVERAL`], set in step
    /// `joins_step`; only meaningful while `kind` is [`OpKind::Join`].
    pub(crate) joins: u32,
    joins_step: u32,
    pub(crate) spawned_at: &'static Location<'static>,
    /// The task running when this one was last woken from `Waiting`, and in which step (for
    /// the step log's structured events: who released the lock, sent the message), packed as
    /// [`woken_by`]; [`NOBODY`] if none.
    woken_by: u64,
    /// The simulated network host the task runs on (`net::sim`; inherited from its spawner).
    host: u32,
    /// Its last poll returned `Pending` on a future coyote does not control (no scheduling
    /// point, no controlled wait); cleared by its next wake or step.
    off_control: bool,
    /// Virtual time moved forward (a timer fired) while this task was woken and not chosen;
    /// until it runs, time moves no further (see `decide::firing_limit`).
    pub(crate) overtaken: bool,
    join_waker: Option<Waker>,
    output: Option<Box<dyn Any>>,
}

/// A controlled thread's name, if it was given one.
pub(crate) type ThreadName = Option<std::sync::Arc<str>>;

/// [`Task::joins`] of a task waiting for several tasks at once (`join_all`).
pub(crate) const JOINS_SEVERAL: u32 = u32::MAX;

/// [`Begun::woken_by`] of a task no task woke (a new task, one chosen for its timer).
pub(crate) const NOBODY: u64 = u64::MAX;

/// Task `task` woke another in step `step`, packed in one word (one store on the wake path).
#[inline]
pub(crate) fn woken_by(task: u32, step: u32) -> u64 {
    (u64::from(step) << 32) | u64::from(task)
}

/// The task and the step packed by [`woken_by`], or `None` for [`NOBODY`].
pub(crate) fn unpack_woken_by(w: u64) -> Option<(u32, u32)> {
    (w != NOBODY).then_some((w as u32, (w >> 32) as u32))
}

impl Task {
    /// This task, running step `step`, is about to join (or waits for) `task`; joining several
    /// in one step (`join_all`) makes it [`JOINS_SEVERAL`]. (Tracking the step instead of
    /// resetting `joins` at every step keeps the hot path free of it.)
    #[inline]
    fn joining(&mut self, task: u32, step: u32) {
        self.joins = if self.joins_step != step || self.joins == task {
            task
        } else {
            JOINS_SEVERAL
        };
        self.joins_step = step;
    }
}

/// What the run loop logs of the step a task is chosen for.
pub(crate) struct Begun {
    pub(crate) kind: OpKind,
    pub(crate) loc: &'static Location<'static>,
    pub(crate) joins: u32,
    /// Whether it was woken (else it is chosen for its timer).
    pub(crate) woken: bool,
    /// Who woke it and in which step ([`woken_by`]), or [`NOBODY`] if it was not woken; possibly
    /// the task itself (a yield): the step log's events sort that out, off the hot path.
    pub(crate) woken_by: u64,
}

/// An aborted task's body and joiner's waker, to drop and wake outside any borrow.
pub(crate) struct Aborted {
    pub(crate) body: Option<TaskBody>,
    pub(crate) joiner: Option<Waker>,
}

/// See the module docs.
pub(crate) struct Tasks {
    table: RefCell<Vec<Task>>,
    bodies: RefCell<Vec<Option<TaskBody>>>,
    current: Cell<u32>,
    /// The controlled threads and their names, if named (off the hot table: reports only).
    threads: RefCell<Vec<(u32, ThreadName)>>,
    /// The running task aborted itself: it is cancelled when its poll returns `Pending` (at
    /// its next `.await` that waits), as tokio cancels a running task.
    self_abort: Cell<bool>,
    /// Which tasks are `Woken` (see `woken.rs`).
    woken: woken::WokenMask,
}

impl Tasks {
    pub(crate) fn new() -> Tasks {
        Tasks {
            table: RefCell::new(Vec::with_capacity(16)),
            bodies: RefCell::new(Vec::with_capacity(16)),
            current: Cell::new(0),
            threads: RefCell::new(Vec::new()),
            self_abort: Cell::new(false),
            woken: woken::WokenMask::default(),
        }
    }

    /// Forgets every task (their bodies and outputs were taken at teardown).
    pub(crate) fn reset(&self) {
        self.table.borrow_mut().clear();
        self.bodies.borrow_mut().clear();
        self.threads.borrow_mut().clear();
        self.current.set(0);
        self.self_abort.set(false);
        self.woken.reset();
    }

    /// The running task (the last one chosen).
    #[inline]
    pub(crate) fn current(&self) -> u32 {
        self.current.get()
    }

    #[inline]
    pub(crate) fn set_current(&self, id: u32) {
        self.current.set(id);
    }

    /// The table, for the run loop's scan and for reports.
    #[inline]
    pub(crate) fn table(&self) -> Ref<'_, Vec<Task>> {
        self.table.borrow()
    }

    /// Adds a task, `Woken`; returns its id.
    #[inline]
    pub(crate) fn spawn(&self, body: TaskBody, loc: &'static Location<'static>) -> u32 {
        let id = {
            let mut table = self.table.borrow_mut();
            let host = table.get(self.current.get() as usize).map_or(0, |t| t.host);
            table.push(Task {
                state: TaskState::Woken,
                pause: Pause::Point,
                kind: OpKind::Start,
                access: Access::NONE,
                loc,
                joins: 0,
                joins_step: 0,
                spawned_at: loc,
                woken_by: NOBODY,
                host,
                off_control: false,
                overtaken: false,
                join_waker: None,
                output: None,
            });
            (table.len() - 1) as u32
        };
        self.woken.set(id);
        self.bodies.borrow_mut().push(Some(body));
        id
    }

    /// Runs `f` on the running task.
    #[inline]
    fn with_current<R>(&self, f: impl FnOnce(&mut Task) -> R) -> R {
        f(&mut self.table.borrow_mut()[self.current.get() as usize])
    }

    /// Wakes `task` (nothing if there is no such task), in step `step`. Returns whether it
    /// waited on a future coyote does not control ([`Tasks::paused_off_control`]).
    #[inline]
    pub(crate) fn wake(&self, task: u32, step: u32) -> bool {
        if let Some(t) = self.table.borrow_mut().get_mut(task as usize) {
            if t.state == TaskState::Waiting {
                t.woken_by = woken_by(self.current.get(), step);
            }
            t.state = t.state.woken();
            if t.state == TaskState::Woken {
                self.woken.set(task);
            }
            return std::mem::take(&mut t.off_control);
        }
        false
    }

    /// After a poll of `id` that returned `Pending`: whether it waits on a future coyote does
    /// not control. A controlled wait marks the task blocked, a scheduling point wakes it, and
    /// [`Tasks::begin`] set it to neither, so a task still waiting at a point waits on
    /// something else (the real tokio crate's `Notify`, a channel of another crate, a hand-made
    /// future). Remembered until its next wake or step.
    #[inline]
    pub(crate) fn paused_off_control(&self, id: u32) -> bool {
        let mut table = self.table.borrow_mut();
        let t = &mut table[id as usize];
        t.off_control = t.state == TaskState::Waiting && t.pause == Pause::Point;
        t.off_control
    }

    /// The tasks that wait on a future coyote does not control (see
    /// [`Tasks::paused_off_control`]) and are not controlled threads.
    pub(crate) fn off_control(&self) -> Vec<u32> {
        let threads = self.threads.borrow();
        self.table
            .borrow()
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                t.off_control
                    && t.state == TaskState::Waiting
                    && !threads.iter().any(|(th, _)| *th == *i as u32)
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The simulated network host `task` runs on (0, the default host, if there is no such task).
    pub(crate) fn host(&self, task: u32) -> u32 {
        self.table.borrow().get(task as usize).map_or(0, |t| t.host)
    }

    /// Moves `task` to simulated host `host` (its later spawns inherit it).
    pub(crate) fn set_host(&self, task: u32, host: u32) {
        if let Some(t) = self.table.borrow_mut().get_mut(task as usize) {
            t.host = host;
        }
    }

    /// Stores the running task's result for its `JoinHandle`.
    #[inline]
    pub(crate) fn set_output(&self, output: Box<dyn Any>) {
        self.with_current(|t| t.output = Some(output));
    }

    /// Whether `task` finished or was aborted (or does not exist).
    #[inline]
    pub(crate) fn is_done(&self, task: u32) -> bool {
        self.table
            .borrow()
            .get(task as usize)
            .map_or(true, |t| t.state.is_done())
    }

    /// Marks `task` done unless it is done or running; `None` if nothing changed. The running
    /// task is marked to be cancelled when its poll returns `Pending` (see
    /// [`Tasks::take_self_abort`]).
    pub(crate) fn abort(&self, task: u32) -> Option<Aborted> {
        let mut table = self.table.borrow_mut();
        let t = table.get_mut(task as usize)?;
        if t.state.is_done() {
            return None;
        }
        if task == self.current.get() {
            self.self_abort.set(true);
            return None;
        }
        t.state = TaskState::Done;
        self.woken.clear(task);
        Some(Aborted {
            // `get_mut`: at teardown the bodies are already gone (a dropped `JoinSet` aborts
            // its tasks then).
            body: self
                .bodies
                .borrow_mut()
                .get_mut(task as usize)
                .and_then(Option::take),
            joiner: t.join_waker.take(),
        })
    }

    /// What `chosen`, about to start a step, declared it touches, whether it was woken (else
    /// it is chosen for its timer) and by whom ([`woken_by`]).
    pub(crate) fn before_step(&self, chosen: u32) -> (Access, bool, u64) {
        let t = &self.table.borrow()[chosen as usize];
        let woken = t.state == TaskState::Woken;
        (t.access, woken, if woken { t.woken_by } else { NOBODY })
    }

    /// `chosen` starts a step: it is `Waiting` until woken again, and what it touches next is
    /// unknown until its next scheduling point; it is not blocked on anything (until a
    /// controlled wait says so; see [`Tasks::paused_off_control`]).
    #[inline]
    pub(crate) fn begin(&self, chosen: u32) -> Begun {
        let mut table = self.table.borrow_mut();
        let t = &mut table[chosen as usize];
        let woken = t.state == TaskState::Woken;
        t.state = TaskState::Waiting;
        self.woken.clear(chosen);
        t.access = Access::NONE;
        t.pause = Pause::Point;
        t.off_control = false;
        t.overtaken = false;
        Begun {
            kind: t.kind,
            loc: t.loc,
            joins: t.joins,
            woken,
            woken_by: if woken { t.woken_by } else { NOBODY },
        }
    }

    /// Virtual time moved forward: every woken task (the chosen one is no longer woken) was
    /// overtaken by it.
    #[cold]
    pub(crate) fn overtake_woken(&self) {
        for t in self.table.borrow_mut().iter_mut() {
            if t.state == TaskState::Woken {
                t.overtaken = true;
            }
        }
    }

    /// Whether the task just polled aborted itself during the poll (and clears it).
    #[inline]
    pub(crate) fn take_self_abort(&self) -> bool {
        self.self_abort.replace(false)
    }

    /// Whether the running task aborted itself in this poll (see [`Tasks::take_self_abort`]).
    #[inline]
    pub(crate) fn self_abort_pending(&self) -> bool {
        self.self_abort.get()
    }

    /// Takes `id`'s body out to poll it.
    #[inline]
    pub(crate) fn take_body(&self, id: u32) -> TaskBody {
        self.bodies.borrow_mut()[id as usize]
            .take()
            .expect("a schedulable task has its body")
    }

    /// Puts `id`'s body back after a poll that returned `Pending`.
    #[inline]
    pub(crate) fn put_body(&self, id: u32, body: TaskBody) {
        self.bodies.borrow_mut()[id as usize] = Some(body);
    }

    /// `id` finished: it is done; returns its joiner's waker, to wake outside the borrow.
    #[inline]
    pub(crate) fn finish(&self, id: u32) -> Option<Waker> {
        let mut table = self.table.borrow_mut();
        let t = &mut table[id as usize];
        t.state = TaskState::Done;
        self.woken.clear(id);
        t.join_waker.take()
    }

    /// Takes every body and output, to drop outside any borrow at teardown.
    pub(crate) fn take_remains(&self) -> (Vec<TaskBody>, Vec<Box<dyn Any>>) {
        let bodies = self.bodies.borrow_mut().drain(..).flatten().collect();
        let outputs = self
            .table
            .borrow_mut()
            .iter_mut()
            .filter_map(|t| t.output.take())
            .collect();
        (bodies, outputs)
    }

    /// A cheap FNV-1a over every task's id, state and the location it runs or waits at (what
    /// learning strategies key their tables by).
    pub(crate) fn state_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (i, t) in self.table.borrow().iter().enumerate() {
            let flags = t.state.hash_bits() | (((t.pause == Pause::Blocked) as u64) << 2);
            let loc = t.loc as *const Location<'static> as usize as u64;
            for x in [i as u64, flags, loc] {
                h = (h ^ x).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    }
}

/// `file:line:col`.
pub(crate) fn fmt_loc(loc: &Location<'_>) -> String {
    format!("{}:{}:{}", loc.file(), loc.line(), loc.column())
}
