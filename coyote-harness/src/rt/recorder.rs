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
//!   to (spawns, choices and monitor changes only in the log, as ever).

mod fold;
mod log;

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
}

type DecisionSink = NonNull<dyn FnMut(Decision)>;

/// See the module docs.
pub(crate) struct Recorder {
    decisions: RefCell<Vec<Decision>>,
    records: RefCell<Vec<Record>>,
    /// The text of this iteration's [`Record::Note`]s, one after another (reused).
    notes: RefCell<String>,
    sink: Cell<Option<DecisionSink>>,
    /// Stop the iteration right after this many decisions (`None`: no limit).
    limit: Cell<Option<u32>>,
    verbose: Cell<bool>,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            decisions: RefCell::new(Vec::with_capacity(256)),
            records: RefCell::new(Vec::with_capacity(256)),
            notes: RefCell::new(String::new()),
            sink: Cell::new(None),
            limit: Cell::new(None),
            verbose: Cell::new(false),
        }
    }

    /// Forgets the last iteration's decisions and log.
    pub(crate) fn reset(&self) {
        self.decisions.borrow_mut().clear();
        self.records.borrow_mut().clear();
        self.notes.borrow_mut().clear();
    }

    pub(crate) fn set_verbose(&self, verbose: bool) {
        self.verbose.set(verbose);
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

    /// Whether the decisions made so far reach the limit.
    #[inline]
    pub(crate) fn at_limit(&self) -> bool {
        self.limit
            .get()
            .is_some_and(|limit| self.decisions.borrow().len() as u64 >= limit as u64)
    }

    /// Records `decision` and streams it to the sink; returns whether the decisions now reach
    /// the limit.
    #[inline]
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

    /// Adds `record` to the log.
    #[inline]
    pub(crate) fn push(&self, record: Record) {
        self.records.borrow_mut().push(record);
    }

    /// Adds `record` to the log, and prints it in verbose mode as a line of step `step`.
    #[inline]
    pub(crate) fn push_shown(&self, record: Record, step: u32) {
        self.push(record);
        if self.verbose.get() {
            eprintln!("{}", self.format_record(&record, step));
        }
    }

    /// Adds a line of text to the log, in `task`.
    pub(crate) fn note(&self, task: u32, step: u32, text: std::fmt::Arguments<'_>) {
        let mut notes = std::mem::take(&mut *self.notes.borrow_mut());
        let start = notes.len() as u32;
        let _ = std::fmt::Write::write_fmt(&mut notes, text);
        let end = notes.len() as u32;
        *self.notes.borrow_mut() = notes;
        self.push_shown(Record::Note { task, start, end }, step);
    }

    /// The decisions of the last iteration.
    pub(crate) fn decisions(&self) -> Ref<'_, Vec<Decision>> {
        self.decisions.borrow()
    }
}
