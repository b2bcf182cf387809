//! `dpor[:preemptions]`: exhaustive search with partial-order reduction, source-set DPOR with
//! sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL'14). Two schedules that differ only in
//! the order of independent steps (a Mazurkiewicz trace) lead to the same state, so one of each
//! is run; declared choices (`random::bool`, `random::int`) are enumerated in full, as `dfs`
//! does. It says when the space is exhausted and how many schedules that took.
//!
//! Invariants. The search stack holds one node per step (the enabled operations with their
//! accesses, the operation this path takes, those explored or still to explore there, and the
//! sleep set) and one per declared choice. Each iteration replays the stack's path, then extends
//! it with the first operation not asleep. At the end of an iteration every race `i ⋖ j` of its
//! steps (see `dpor_trace`) adds, unless one is already there, an initial of the reversal to
//! the node of `i`'s step; then the deepest node with an option left takes it, and the nodes
//! below it are forgotten. A sleeping operation's next step is independent of every step since
//! it was explored at an ancestor, so running it first again would repeat a trace. A join of
//! an operation stays asleep across that operation's steps as long as they do not finish it,
//! which the step after tells: the operation is enabled there only if it did not finish.
//!
//! With a preemption bound, a reversal that would preempt too often at `i`'s node is tried at
//! the node where the preempted operation's run began instead (Coons et al., OOPSLA'13), and
//! every new node continues the running operation when it is not asleep.

use super::dpor_trace::{after_step, Asleep, Trace};
use super::{Access, IterationEnd, OpId, SchedulingPoint, Step, Strategy};

#[derive(Debug)]
struct Sched {
    enabled: Vec<(OpId, Access)>,
    /// Explored here, the path's current operation last.
    explored: Vec<OpId>,
    todo: Vec<OpId>,
    sleep: Vec<(OpId, Access)>,
    /// The operation of the step before, and the preemptions on the path up to here.
    last: Option<OpId>,
    preemptions: u32,
}

#[derive(Debug)]
enum Node {
    Choice { options: u32, chosen: u32 },
    Sched(Sched),
}

impl Sched {
    fn chosen(&self) -> OpId {
        *self.explored.last().expect("a node has a choice")
    }

    fn enabled(&self, op: OpId) -> bool {
        self.enabled.iter().any(|e| e.0 == op)
    }

    fn asleep(&self, op: OpId) -> bool {
        self.sleep.iter().any(|e| e.0 == op)
    }

    /// The preemptions on the path if `op` runs here.
    fn cost(&self, op: OpId) -> u32 {
        let preempts = self.last.is_some_and(|l| l != op && self.enabled(l));
        self.preemptions + preempts as u32
    }

    /// `op`'s access in this iteration.
    fn refresh(&mut self, op: OpId, access: Access) {
        let entries = self.enabled.iter_mut().chain(self.sleep.iter_mut());
        entries.filter(|e| e.0 == op).for_each(|e| e.1 = access);
    }

    fn add(&mut self, op: OpId) {
        if !self.explored.contains(&op) && !self.todo.contains(&op) {
            self.todo.push(op);
        }
    }
}

/// Source-set DPOR with sleep sets; see the module docs.
#[derive(Debug, Default)]
pub struct Dpor {
    bound: Option<u32>,
    nodes: Vec<Node>,
    pos: usize,
    trace: Trace,
    // The sleep set of the next new step node.
    carry: Vec<(OpId, Access)>,
    // Joins of the last step's operation that stay asleep too if it did not finish.
    carry_unless_finished: Vec<(OpId, Access)>,
    done: bool,
    schedules: u64,
}

impl Dpor {
    /// DPOR; `preemptions` bounds the preemptions of every schedule explored.
    pub fn new(preemptions: Option<u32>) -> Self {
        Dpor {
            bound: preemptions,
            ..Dpor::default()
        }
    }

    fn within(&self, node: &Sched, op: OpId) -> bool {
        self.bound.map_or(true, |b| node.cost(op) <= b)
    }

    /// A new step node at the end of the path; returns the operation it takes.
    fn extend(&mut self, enabled: Vec<(OpId, Access)>, yielded: bool) -> OpId {
        let last = self.trace.last_op();
        let preemptions = match self.nodes.iter().rev().find_map(|n| match n {
            Node::Sched(s) => Some(s),
            Node::Choice { .. } => None,
        }) {
            Some(p) => p.cost(p.chosen()),
            None => 0,
        };
        let mut sleep = std::mem::take(&mut self.carry);
        // The last step's operation is enabled again only if that step did not finish it.
        if last.is_some_and(|l| enabled.iter().any(|e: &(OpId, Access)| e.0 == l)) {
            sleep.append(&mut self.carry_unless_finished);
        }
        self.carry_unless_finished.clear();
        let mut node = Sched {
            enabled,
            explored: Vec::new(),
            todo: Vec::new(),
            sleep,
            last,
            preemptions,
        };
        // Options from the running operation on (after it, if it yielded: not a spin).
        let n = node.enabled.len();
        let start = last.map_or(0, |l| {
            let at = node.enabled.partition_point(|e| e.0 < l);
            at + (yielded && node.enabled.get(at).is_some_and(|e| e.0 == l)) as usize
        });
        let order = (0..n).map(|k| node.enabled[(start + k) % n].0);
        let mut ranked: Vec<OpId> = order.filter(|&op| self.within(&node, op)).collect();
        ranked.sort_by_key(|&op| node.asleep(op));
        // Empty only if the program did not repeat itself past the bound.
        let pick = ranked.first().copied().unwrap_or(node.enabled[start % n].0);
        node.explored.push(pick);
        self.nodes.push(Node::Sched(node));
        pick
    }

    fn choose(&mut self, options: u32) -> u32 {
        let at = self.pos;
        self.pos += 1;
        if let Some(Node::Choice { options: o, chosen }) = self.nodes.get_mut(at) {
            if *o == options {
                return *chosen;
            }
        }
        // New, or the program did not repeat itself: go on from here.
        self.nodes.truncate(at);
        self.nodes.push(Node::Choice { options, chosen: 0 });
        0
    }

    /// Adds a reversal starting with one of `initials` at step node `at`.
    fn add_reversal(&mut self, at: usize, initials: &[OpId]) {
        let Node::Sched(node) = &self.nodes[at] else {
            return;
        };
        if initials
            .iter()
            .any(|op| node.explored.contains(op) || node.todo.contains(op) || node.asleep(*op))
        {
            return;
        }
        let fits = |n: &Sched, op: &OpId| n.enabled(*op) && self.within(n, *op);
        let pick = initials.iter().copied().find(|op| fits(node, op));
        match pick {
            Some(op) => self.sched_mut(at).add(op),
            None if self.bound.is_some() && initials.iter().any(|op| node.enabled(*op)) => {
                // Too many preemptions here: try where the preempted operation's run began.
                let Some(running) = node.last else { return };
                let mut begin = None;
                let mut k = at;
                while let Some(p) = self.prev_sched(k) {
                    match &self.nodes[p] {
                        Node::Sched(s) if s.chosen() == running => begin = Some(p),
                        _ => break,
                    }
                    k = p;
                }
                let Some(Node::Sched(start)) = begin.map(|b| &self.nodes[b]) else {
                    return;
                };
                if let Some(op) = initials.iter().copied().find(|op| fits(start, op)) {
                    self.sched_mut(begin.unwrap()).add(op);
                }
            }
            None => {
                // No initial is enabled there (the analysis cannot tell): every option.
                let all: Vec<OpId> = node
                    .enabled
                    .iter()
                    .map(|e| e.0)
                    .filter(|op| fits(node, op))
                    .collect();
                all.into_iter().for_each(|op| self.sched_mut(at).add(op));
            }
        }
    }

    fn prev_sched(&self, at: usize) -> Option<usize> {
        (0..at)
            .rev()
            .find(|&k| matches!(self.nodes[k], Node::Sched(_)))
    }

    fn sched_mut(&mut self, at: usize) -> &mut Sched {
        match &mut self.nodes[at] {
            Node::Sched(s) => s,
            Node::Choice { .. } => unreachable!("races are between steps"),
        }
    }
}

impl Strategy for Dpor {
    fn name(&self) -> String {
        match self.bound {
            Some(b) => format!("dpor:{b}"),
            None => "dpor".into(),
        }
    }

    fn begin_iteration(&mut self) -> bool {
        self.pos = 0;
        self.trace.clear();
        self.carry.clear();
        self.carry_unless_finished.clear();
        !self.done
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        if let Some(Node::Sched(node)) = self.nodes.get_mut(self.pos) {
            if point.enabled.binary_search(&node.chosen()).is_ok() {
                // Objects are addresses, which may differ from one iteration to the next.
                for (op, access) in point.enabled.iter().zip(point.accesses) {
                    node.refresh(*op, *access);
                }
                return Some(node.chosen());
            }
        }
        self.nodes.truncate(self.pos);
        let accesses = point.accesses.iter().copied();
        let enabled = (point.enabled.iter().copied())
            .zip(accesses.chain(std::iter::repeat(Access::NONE)))
            .collect();
        Some(self.extend(enabled, point.yielded))
    }

    fn next_bool(&mut self, _step: u32) -> Option<bool> {
        Some(self.choose(2) == 1)
    }

    fn next_int(&mut self, bound: u64, _step: u32) -> Option<u64> {
        Some(self.choose(bound.clamp(1, u32::MAX as u64) as u32) as u64)
    }

    fn on_step(&mut self, step: &Step) {
        let at = self.pos;
        match self.nodes.get(at) {
            Some(Node::Sched(node)) if node.chosen() == step.op => {
                if let Some(Node::Sched(node)) = self.nodes.get_mut(at) {
                    node.refresh(step.op, step.access);
                }
            }
            _ => {
                // A step with one operation enabled (or a program that did not repeat itself).
                self.nodes.truncate(at);
                self.extend(vec![(step.op, step.access)], false);
            }
        }
        let Node::Sched(node) = &self.nodes[at] else {
            unreachable!()
        };
        let explored_before = node.explored[..node.explored.len() - 1].iter();
        let siblings = explored_before.filter_map(|op| node.enabled.iter().find(|e| e.0 == *op));
        self.carry.clear();
        self.carry_unless_finished.clear();
        for s in node.sleep.iter().chain(siblings) {
            match after_step(s, step, |op| node.enabled(op)) {
                Asleep::Stays => self.carry.push(*s),
                Asleep::UnlessFinished => self.carry_unless_finished.push(*s),
                Asleep::Wakes => {}
            }
        }
        self.trace.push(*step, at);
        self.pos += 1;
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        self.schedules += 1;
        self.nodes.truncate(self.pos);
        let nodes = &self.nodes;
        let races = self.trace.races(|at, op| match &nodes[at] {
            Node::Sched(s) => s.enabled(op),
            Node::Choice { .. } => false,
        });
        for race in races {
            let at = self.trace.node_of(race.first);
            self.add_reversal(at, &race.initials);
        }
        while let Some(top) = self.nodes.last_mut() {
            match top {
                Node::Choice { options, chosen } if *chosen + 1 < *options => {
                    *chosen += 1;
                    return;
                }
                Node::Sched(s) => {
                    let next = s.todo.iter().position(|op| !s.asleep(*op));
                    if let Some(k) = next {
                        let op = s.todo.remove(k);
                        s.explored.push(op);
                        return;
                    }
                }
                Node::Choice { .. } => {}
            }
            self.nodes.pop();
        }
        self.done = true;
    }

    fn exhausted(&self) -> bool {
        self.done
    }

    fn schedules_explored(&self) -> Option<u64> {
        Some(self.schedules)
    }

    fn needs_accesses(&self) -> bool {
        true
    }

    fn needs_steps(&self) -> bool {
        true
    }
}
