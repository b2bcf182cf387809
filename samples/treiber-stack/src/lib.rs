//! A lock-free Treiber stack on atomics (through `use coyote_harness::std::sync::atomic`), with
//! the classic ABA bug.
//!
//! Nodes live in a fixed arena and are named by index, so a popped node can be pushed again
//! (as a real stack reuses freed or pooled nodes). `pop` reads the head `A` and its successor
//! `B`, then compare-exchanges the head from `A` to `B`. If, between the read and the
//! compare-exchange, other threads pop `A`, pop `B` and push `A` back, the head is `A` again:
//! the stalled compare-exchange succeeds and installs `B`, a node another thread holds. The
//! stack and that thread now share `B`.
//!
//! * [`Stack::new`] (planted bug): the head is the node index alone.
//! * [`Stack::new_tagged`] (fixed): the head packs a counter bumped by every successful
//!   update next to the index, so a head that went `A -> ... -> A` no longer compares equal.
//!
//! Every atomic access is a scheduling point in tests, so the stall is a schedule the
//! strategies reach. Entry points: `treiber_aba` (buggy) and `treiber_tagged` (fixed).

use coyote_harness::std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use coyote_harness::std::sync::Arc;
use coyote_harness::std::thread;

const INDEX: u64 = 0xffff_ffff;

/// A stack of node indices `0..n` (each on the stack at most once when used correctly).
pub struct Stack {
    /// Low 32 bits: top node index + 1 (0: empty); high 32 bits: the tag (fixed variant).
    head: AtomicU64,
    /// Each node's successor, as the head encodes it (index + 1, 0: none).
    next: Vec<AtomicU64>,
    tagged: bool,
}

impl Stack {
    /// An empty stack over `n` nodes whose head is the index alone (ABA-prone).
    pub fn new(n: usize) -> Stack {
        Stack::with(n, false)
    }

    /// An empty stack over `n` nodes whose head carries a modification counter (fixed).
    pub fn new_tagged(n: usize) -> Stack {
        Stack::with(n, true)
    }

    fn with(n: usize, tagged: bool) -> Stack {
        Stack {
            head: AtomicU64::new(0),
            next: (0..n).map(|_| AtomicU64::new(0)).collect(),
            tagged,
        }
    }

    /// The head to install over `old`, pointing at `top` (index + 1).
    fn head_after(&self, old: u64, top: u64) -> u64 {
        if self.tagged {
            ((old >> 32).wrapping_add(1) << 32) | top
        } else {
            top
        }
    }

    /// Pushes node `i` (which the caller owns).
    pub fn push(&self, i: usize) {
        loop {
            let old = self.head.load(SeqCst);
            self.next[i].store(old & INDEX, SeqCst);
            let new = self.head_after(old, i as u64 + 1);
            if self.head.compare_exchange(old, new, SeqCst, SeqCst).is_ok() {
                return;
            }
        }
    }

    /// Pops the top node, which the caller then owns.
    pub fn pop(&self) -> Option<usize> {
        loop {
            let old = self.head.load(SeqCst);
            let top = old & INDEX;
            if top == 0 {
                return None;
            }
            let next = self.next[top as usize - 1].load(SeqCst);
            let new = self.head_after(old, next);
            if self.head.compare_exchange(old, new, SeqCst, SeqCst).is_ok() {
                return Some(top as usize - 1);
            }
        }
    }
}

/// Nodes 0, 1, 2 stacked (0 on top). One thread pops once; another pops twice and pushes its
/// first node back. Afterwards no node may be both on the stack and held by a thread.
fn run(tagged: bool) {
    let stack = Arc::new(if tagged {
        Stack::new_tagged(3)
    } else {
        Stack::new(3)
    });
    for i in (0..3).rev() {
        stack.push(i);
    }
    let s = stack.clone();
    let one = thread::spawn(move || vec![s.pop().expect("a node")]);
    let s = stack.clone();
    let two = thread::spawn(move || {
        let a = s.pop().expect("a node");
        let b = s.pop().expect("a node");
        s.push(a);
        vec![b]
    });
    let mut held = one.join().unwrap();
    held.extend(two.join().unwrap());
    let mut on_stack = Vec::new();
    while let Some(i) = stack.pop() {
        assert!(on_stack.len() < 3, "the stack has a cycle");
        on_stack.push(i);
    }
    for i in &held {
        assert!(
            !on_stack.contains(i),
            "node {i} is on the stack and held by a thread (ABA: held {held:?}, stack {on_stack:?})"
        );
    }
    assert_eq!(held.len() + on_stack.len(), 3, "a node was lost");
}

/// Planted bug: the untagged head lets a stalled pop's compare-exchange succeed after A-B-A.
pub async fn treiber_aba() {
    run(false);
}

/// Fixed: the tagged head makes that compare-exchange fail and retry.
pub async fn treiber_tagged() {
    run(true);
}

coyote_harness::export_tests!(treiber_aba, treiber_tagged);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    #[test]
    fn the_aba_is_found_and_the_tagged_stack_passes_every_schedule() {
        let err = std::panic::catch_unwind(|| check(treiber_aba, Config::new()))
            .expect_err("the ABA is found");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("ABA"), "{msg}");
        check(treiber_tagged, Config::new().iterations(2000));
    }

    #[test]
    fn in_production_it_is_a_std_atomic_stack() {
        let s = Arc::new(Stack::new_tagged(64));
        for i in 0..64 {
            s.push(i);
        }
        let ts: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        if let Some(i) = s.pop() {
                            s.push(i);
                        }
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        let mut n = 0;
        while s.pop().is_some() {
            n += 1;
        }
        assert_eq!(n, 64);
    }
}
