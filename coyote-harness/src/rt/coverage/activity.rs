//! Actor coverage (`coyote test --coverage`): which events each actor type handled and
//! dropped, which states its machines entered and which transitions they took; and the states
//! monitors were in and the transitions between them (a monitor type is marked as one).
//!
//! Invariants:
//!
//! * nothing is counted unless coverage was asked for (the caller checks [`Coverage::is_on`]);
//! * counts accumulate over the iterations of a run until [`Activities::take`];
//! * a count allocates only the first time its key is seen: the key is written into a reused
//!   buffer and looked up by `&str`;
//! * an event or state is named by its `Debug` up to the first `(`, `{`, `[` or space, and the
//!   user's `Debug` stops being asked for output there (so a large payload is not formatted);
//!   it runs outside every borrow of the executor's state.
//!
//! [`Coverage::is_on`]: super::Coverage::is_on

use coyote_core::coverage::{ActorActivity, ActorCoverage};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write};

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Activity {
    /// An event dequeued and handled.
    Handled,
    /// An event ignored by a state, or sent to or queued at a halted actor.
    Dropped,
    /// A state entered (a count of 0 declares it: listed, never entered, if it stays at 0).
    Entered,
    /// Marks the type as a monitor (`spec::Monitor`), not an actor (the name is not used).
    Monitor,
}

/// The counts, keyed `actor \x1f tag \x1f name` (`tag`: `h`, `d`, `s` or `t`).
#[derive(Default)]
struct Counts {
    counts: HashMap<String, u64>,
    key: String,
}

const SEP: char = '\x1f';

/// [`Counts`] behind a cell, taken out while a key is built.
#[derive(Default)]
pub(crate) struct Activities(RefCell<Counts>);

impl Activities {
    /// Adds `n` to what `actor` did with `name` (an event or a state).
    pub(crate) fn count(&self, actor: &str, what: Activity, name: &dyn fmt::Debug, n: u64) {
        let tag = match what {
            Activity::Handled => 'h',
            Activity::Dropped => 'd',
            Activity::Entered => 's',
            Activity::Monitor => 'm',
        };
        self.count_key(actor, tag, n, |key| push_name(key, name));
    }

    /// Counts a transition of a machine of type `actor` from state `from` to `to`.
    pub(crate) fn transition(&self, actor: &str, from: &dyn fmt::Debug, to: &dyn fmt::Debug) {
        self.count_key(actor, 't', 1, |key| {
            push_name(key, from);
            key.push_str(" -> ");
            push_name(key, to);
        });
    }

    fn count_key(&self, actor: &str, tag: char, n: u64, name: impl FnOnce(&mut String)) {
        // Taken out while the user's `Debug` runs: it may reach the executor itself.
        let mut key = std::mem::take(&mut self.0.borrow_mut().key);
        key.clear();
        key.push_str(actor);
        key.push(SEP);
        key.push(tag);
        key.push(SEP);
        name(&mut key);
        let mut counts = self.0.borrow_mut();
        match counts.counts.get_mut(key.as_str()) {
            Some(c) => *c += n,
            None => {
                counts.counts.insert(key.clone(), n);
            }
        }
        counts.key = key;
    }

    /// The activity counted since the last call, by actor type.
    pub(crate) fn take(&self) -> ActorCoverage {
        let counts = std::mem::take(&mut self.0.borrow_mut().counts);
        let mut out = ActorCoverage::new();
        for (key, n) in counts {
            let mut parts = key.splitn(3, SEP);
            let (Some(actor), Some(tag), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let a: &mut ActorActivity = out.entry(actor.to_string()).or_default();
            let map = match tag {
                "m" => {
                    a.monitor = true;
                    continue;
                }
                "h" => &mut a.handled,
                "d" => &mut a.dropped,
                "s" => &mut a.states,
                "t" => &mut a.transitions,
                _ => unreachable!("count_key writes only these tags"),
            };
            *map.entry(name.to_string()).or_insert(0) += n;
        }
        out
    }
}

/// Appends `value`'s `Debug` up to its first `(`, `{`, `[` or space (`_` if that is nothing).
fn push_name(out: &mut String, value: &dyn fmt::Debug) {
    let start = out.len();
    let _ = write!(UpToName { out }, "{value:?}");
    if out.len() == start {
        out.push('_');
    }
}

/// A writer that keeps what it is given up to the first delimiter, then fails, so the
/// formatting stops there.
struct UpToName<'a> {
    out: &'a mut String,
}

impl Write for UpToName<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match s.find(['(', '{', '[', ' ']) {
            Some(i) => {
                self.out.push_str(&s[..i]);
                Err(fmt::Error)
            }
            None => {
                self.out.push_str(s);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(value: &dyn fmt::Debug) -> String {
        let mut s = String::new();
        push_name(&mut s, value);
        s
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Event {
        Open,
        Vote(bool),
        Move { to: u32 },
    }

    #[test]
    fn names_stop_at_the_payload() {
        assert_eq!(name(&Event::Open), "Open");
        assert_eq!(name(&Event::Vote(true)), "Vote");
        assert_eq!(name(&Event::Move { to: 3 }), "Move");
        assert_eq!(name(&(1, 2)), "_");
        assert_eq!(name(&vec![1]), "_");
    }

    #[test]
    fn a_large_payload_is_not_formatted() {
        struct Big;
        impl fmt::Debug for Big {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Big(")?;
                panic!("formatted past the name");
            }
        }
        assert_eq!(name(&Big), "Big");
    }
}
