//! The recorder: what an iteration decided and what it did, as it happens.
//!
//! It holds the decisions (the trace's content), the step log's [`Record`]s and the text of its
//! notes, the decision limit, and the decision sink (crash capture streams every decision to the
//! worker's parent as it is made). [`log`] turns the records into the readable log.
//!
//! Invariants:
//! * every decision is recorded once, in the order made, and streamed to the sink (if any) right
//!   after it is recorded, so the sink sees the same sequence as the trace;
//! * recording allocates nothing once the buffers have grown: records are `Copy`, a note's text
//!   goes into one reused buffer and is formatted outside any borrow (it may format user types);
//! * in verbose mode steps and notes are printed as they are recorded, with the step they belong
//!   to (spawns, choices and monitor changes only in the log, as ever);
//! * the step log is kept only when wanted ([`Recorder::set_logging`], on by default, or
//!   verbose, or a line sink set): exploration turns it off and re-runs a failing iteration
//!   with it on to write its trace (see `runner`), so a step that nobody will read costs no
//!   record. Decisions are always kept.

mod compare;
mod events;
mod fold;
mod holders;
mod layout;
mod log;

pub(crate) use holders::Taken;

use super::monitors::Temperature;
use super::op::OpKind;
use coyote_core::trace::Decision;
use std::cell::{Cell, Ref, RefCell};
use std::panic::Location;
use std::ptr::NonNull;
use std::time::Duration;

/// What a declared choice decides, for the step log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChoiceOf {
    /// A value of `random::bool`, `random::int` or `random::choose`.
    Random,
    /// The branch a `select!` polls first.
    SelectStart,
    /// Whether a simulated network read or write moves fewer bytes than it could (1: short).
    NetShort,
    /// How many bytes a short network read or write moves (the value plus one).
    NetBytes,
}

/// One line of the step log, as recorded.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Record {
    Step {
        task: u32,
        kind: OpKind,
        loc: &'static Location<'static>,
        /// For a `join` step, the task it joins or `JOINS_SEVERAL` (stale for other kinds).
        joins: u32,
        timer: Option<Duration>,
        /// Who woke this task for the step and when (`tasks::woken_by`), or `tasks::NOBODY` (not
        /// in the text log).
        woken_by: u64,
    },
    Choice {
        task: u32,
        decision: Decision,
        loc: &'static Location<'static>,
        of: ChoiceOf,
    },
    Spawn {
        parent: u32,
        child: u32,
        loc: &'static Location<'static>,
    },
    /// A monitor's temperature changed.
    Monitor {
        task: u32,
        name: &'static str,
        temperature: Temperature,
        loc: &'static Location<'static>,
    },
    /// A line of text for the log ([`Recorder::note`]): `notes[start..end]`.
    Note { task: u32, start: u32, end: u32 },
    /// What a step's operation did ([`Recorder::outcome`]): it got what it waited for (after
    /// waking, if `woke`), or it blocked, on an object held by `holder` and `more` other tasks
    /// (`NO_TASK`: by none known); a semaphore's permits `left` after it (`NO_COUNT`: not a
    /// semaphore).
    Outcome {
        task: u32,
        kind: OpKind,
        blocked: bool,
        woke: bool,
        holder: u32,
        more: u16,
        left: u32,
    },
    /// `task` released a guard or permits taken by a `kind` operation at `loc` (`permits` of
    /// them and `left` free after, for a semaphore; `NO_COUNT` otherwise).
    Release {
        task: u32,
        kind: OpKind,
        loc: &'static Location<'static>,
        permits: u32,
        left: u32,
    },
}

/// No task (an [`Record::Outcome`]'s unknown holder).
pub(crate) const NO_TASK: u32 = u32::MAX;
/// No count (an [`Record::Outcome`] or [`Record::Release`] that is not a semaphore's).
pub(crate) const NO_COUNT: u32 = u32::MAX;

type DecisionSink = NonNull<dyn FnMut(Decision)>;
type LineSink = NonNull<dyn FnMut(&str)>;

/// See the module docs.
pub(crate) struct Recorder {
    decisions: RefCell<Vec<Decision>>,
    records: RefCell<Vec<Record>>,
    /// The text of this iteration's [`Record::Note`]s, one after another (reused).
    notes: RefCell<String>,
    sink: Cell<Option<DecisionSink>>,
    /// Receives each line shown in verbose mode, as it is recorded (hang capture).
    lines: Cell<Option<LineSink>>,
    /// Stop the iteration right after this many decisions (`None`: no limit).
    limit: Cell<Option<u32>>,
    verbose: Cell<bool>,
    /// Verbose, or a line sink set: lines are formatted as they are recorded.
    show: Cell<bool>,
    /// The step log is wanted (`set_logging`).
    logging: Cell<bool>,
    /// `logging || show`: records are kept.
    keep: Cell<bool>,
    /// The tasks holding each lock or semaphore now (one entry per guard or permit held, by
    /// the object's identity, its `Access::object`), kept only with the log (see [`holders`]).
    holders: RefCell<Vec<(u64, u32)>>,
    /// A semaphore's free permits, as its acquire saw them in the poll whose outcome is about
    /// to be recorded (`NO_COUNT`: none), taken by [`Recorder::outcome`].
    left: Cell<u32>,
    /// The tasks that are controlled threads (named `thread N` in the log).
    threads: RefCell<Vec<u32>>,
    /// The last layout of the records (`log::laid_out`), with the record count it is of.
    laid: RefCell<Option<(usize, std::rc::Rc<Vec<layout::Line>>)>>,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            decisions: RefCell::new(Vec::with_capacity(256)),
            records: RefCell::new(Vec::with_capacity(256)),
            notes: RefCell::new(String::new()),
            sink: Cell::new(None),
            lines: Cell::new(None),
            limit: Cell::new(None),
            verbose: Cell::new(false),
            show: Cell::new(false),
            logging: Cell::new(true),
            keep: Cell::new(true),
            holders: RefCell::new(Vec::with_capacity(16)),
            left: Cell::new(NO_COUNT),
            threads: RefCell::new(Vec::new()),
            laid: RefCell::new(None),
        }
    }

    /// Forgets the last iteration's decisions and log.
    pub(crate) fn reset(&self) {
        self.decisions.borrow_mut().clear();
        self.records.borrow_mut().clear();
        self.notes.borrow_mut().clear();
        self.holders.borrow_mut().clear();
        self.left.set(NO_COUNT);
        self.threads.borrow_mut().clear();
        self.laid.borrow_mut().take();
    }

    /// Task `task` is a controlled thread: the log names it `thread N`.
    pub(crate) fn mark_thread(&self, task: u32) {
        self.threads.borrow_mut().push(task);
    }

    pub(crate) fn set_verbose(&self, verbose: bool) {
        self.verbose.set(verbose);
        self.show.set(verbose || self.lines.get().is_some());
        self.keep.set(self.logging.get() || self.show.get());
    }

    /// Whether the next iterations keep their step log (on by default); verbose mode and a
    /// line sink keep it whatever this says.
    pub(crate) fn set_logging(&self, on: bool) {
        self.logging.set(on);
        self.keep.set(on || self.show.get());
    }

    /// Whether this iteration's step log is kept.
    #[inline]
    pub(crate) fn keeps_log(&self) -> bool {
        self.keep.get()
    }

    pub(crate) fn set_limit(&self, limit: Option<u32>) {
        self.limit.set(limit);
    }

    /// Streams every decision to `sink` as it is made (crash capture); `None` turns it off.
    pub(crate) fn set_sink(&self, sink: Option<&mut dyn FnMut(Decision)>) {
        let sink = sink.map(|s| {
            // SAFETY: lifetime erasure only; the runner clears the sink (sets `None`) right after
            // the iteration, before the borrow of `s` ends.
            unsafe {
                std::mem::transmute::<NonNull<dyn FnMut(Decision) + '_>, DecisionSink>(
                    NonNull::from(s),
                )
            }
        });
        self.sink.set(sink);
    }

    /// Hands every line verbose mode would print to `sink` as it is recorded (a hang's capture
    /// streams them, as the iteration never ends to hand over its log); `None` turns it off.
    pub(crate) fn set_line_sink(&self, sink: Option<&mut dyn FnMut(&str)>) {
        let sink = sink.map(|s| {
            // SAFETY: lifetime erasure only; the runner clears the sink (sets `None`) right after
            // the iteration, before the borrow of `s` ends.
            unsafe {
                std::mem::transmute::<NonNull<dyn FnMut(&str) + '_>, LineSink>(NonNull::from(s))
            }
        });
        self.lines.set(sink);
        self.show
            .set(self.verbose.get() || self.lines.get().is_some());
        self.keep.set(self.logging.get() || self.show.get());
    }

    /// Whether the decisions made so far reach the limit.
    #[inline]
    pub(crate) fn at_limit(&self) -> bool {
        self.limit
            .get()
            .is_some_and(|limit| self.decisions.borrow().len() as u64 >= limit as u64)
    }

    /// Records `decision` and streams it to the sink; returns whether the decisions now reach
    /// the limit. At every decision: always inlined (it was left out of line).
    #[inline(always)]
    pub(crate) fn decide(&self, decision: Decision) -> bool {
        let made = {
            let mut decisions = self.decisions.borrow_mut();
            decisions.push(decision);
            decisions.len()
        };
        if let Some(sink) = self.sink.get() {
            // SAFETY: see `set_sink`; the sink outlives the iteration.
            unsafe { (*sink.as_ptr())(decision) };
        }
        self.limit
            .get()
            .is_some_and(|limit| made as u64 >= limit as u64)
    }

    /// Adds `record` (not a step) to the log, and prints it in verbose mode as every line of
    /// the log is (so `--verbose` shows all the log shows).
    #[inline]
    pub(crate) fn push(&self, record: Record) {
        self.push_shown(record, 0);
    }

    /// Records what the step of `task` doing `kind` on `object` came to: it got it (after
    /// waking if `woke`), or it `blocked`. Only kinds whose outcome tells something are kept
    /// ([`OpKind::outcome`]); a blocked one names the tasks that hold the object now (those
    /// whose guards or permits are not released yet), and a semaphore's the permits left.
    #[inline]
    pub(crate) fn outcome(&self, task: u32, kind: OpKind, object: u64, blocked: bool, woke: bool) {
        let left = self.left.replace(NO_COUNT);
        if !self.keep.get() || kind.outcome().is_none() {
            return;
        }
        let (holder, more) = if blocked {
            self.holders_of(object)
        } else {
            (NO_TASK, 0)
        };
        self.push(Record::Outcome {
            task,
            kind,
            blocked,
            woke,
            holder,
            more,
            left,
        });
    }

    /// Adds `record` to the log, and prints it in verbose mode as a line of step `step`.
    #[inline]
    pub(crate) fn push_shown(&self, record: Record, step: u32) {
        if !self.keep.get() {
            return;
        }
        self.records.borrow_mut().push(record);
        if self.show.get() {
            self.show_line(&record, step);
        }
    }

    /// Prints `record` (verbose mode) and hands it to the line sink.
    #[cold]
    #[inline(never)]
    fn show_line(&self, record: &Record, step: u32) {
        let line = self.format_record(record, step);
        if self.verbose.get() {
            eprintln!("{line}");
        }
        if let Some(sink) = self.lines.get() {
            // SAFETY: see `set_line_sink`; the sink outlives the iteration.
            unsafe { (*sink.as_ptr())(&line) };
        }
    }

    /// Adds a line of text to the log, in `task`.
    pub(crate) fn note(&self, task: u32, step: u32, text: std::fmt::Arguments<'_>) {
        if !self.keep.get() {
            return;
        }
        let mut notes = std::mem::take(&mut *self.notes.borrow_mut());
        let start = notes.len() as u32;
        let _ = std::fmt::Write::write_fmt(&mut notes, text);
        let end = notes.len() as u32;
        *self.notes.borrow_mut() = notes;
        self.push_shown(Record::Note { task, start, end }, step);
    }

    /// The tasks with a step in the log, ascending (empty when no log was kept).
    pub(crate) fn tasks_stepped(&self) -> Vec<u32> {
        let mut tasks: Vec<u32> = self
            .records
            .borrow()
            .iter()
            .filter_map(|r| match r {
                Record::Step { task, .. } => Some(*task),
                _ => None,
            })
            .collect();
        tasks.sort_unstable();
        tasks.dedup();
        tasks
    }

    /// The decisions of the last iteration.
    pub(crate) fn decisions(&self) -> Ref<'_, Vec<Decision>> {
        self.decisions.borrow()
    }
}
