use super::*;
use crate::strategy::Access;

/// Runs one iteration of `n` operations of `len` steps each, all enabled until done, whose
/// memory state is `state(steps each op has taken)`; returns the order of the operations.
fn run(s: &mut Mff, n: u32, len: u32, state: &dyn Fn(&[u32]) -> u64) -> Vec<OpId> {
    assert!(s.begin_iteration());
    let mut done = vec![0; n as usize];
    let mut order = Vec::new();
    loop {
        let enabled: Vec<OpId> = (0..n).filter(|&op| done[op as usize] < len).collect();
        let op = match enabled.len() {
            0 => break,
            1 => enabled[0],
            _ => s
                .next_operation(&SchedulingPoint {
                    enabled: &enabled,
                    accesses: &[],
                    current: order.last().copied(),
                    step: order.len() as u32,
                    yielded: false,
                    state_hash: 0,
                })
                .unwrap(),
        };
        s.on_step(&Step {
            op,
            access: Access::NONE,
            woken_by: None,
            timer: false,
            memory: state(&done),
        });
        done[op as usize] += 1;
        order.push(op);
    }
    s.end_iteration(&IterationEnd::default());
    order
}

/// A state reached only when operation 1 runs all its steps before operation 0 starts.
fn one_first(done: &[u32]) -> u64 {
    (done[0] == 0 && done[1] == 4) as u64
}

#[test]
fn only_schedules_that_reach_a_new_state_join_the_corpus() {
    let mut s = Mff::new(3);
    for _ in 0..20 {
        run(&mut s, 2, 4, &|_| 0);
    }
    assert_eq!(
        s.corpus_len(),
        1,
        "a program whose atomics never change adds only its first run"
    );
    let mut s = Mff::new(3);
    for _ in 0..100 {
        run(&mut s, 2, 4, &one_first);
    }
    assert_eq!(
        s.corpus_len(),
        2,
        "the first run, and the first to reach the rare state"
    );
}

#[test]
fn runs_are_a_function_of_the_seed() {
    let runs = |seed| {
        let mut s = Mff::new(seed);
        (0..30)
            .map(|_| {
                run(&mut s, 3, 5, &|d: &[u32]| {
                    (d[0] * 7 + d[1] * 3 + d[2]) as u64 % 11
                })
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(runs(5), runs(5));
    assert_ne!(runs(5), runs(6));
}

#[test]
fn a_mutation_keeps_its_seeds_decisions_up_to_the_cut() {
    // The state is how far each operation got, so many iterations reach a new one; a mutated
    // iteration repeats the first `keep` decisions of the seed it follows.
    let mut s = Mff::new(11);
    let counts = |d: &[u32]| (d[0] * 16 + d[1] * 4 + d[2]) as u64;
    let mut followed = 0;
    for _ in 0..200 {
        run(&mut s, 3, 4, &counts);
        if let Some(k) = s.seed_followed() {
            assert_eq!(s.decisions[..s.keep], s.corpus[k].decisions[..s.keep]);
            followed += 1;
        }
    }
    assert!(
        followed > 100,
        "three iterations in four follow a seed: {followed}"
    );
    assert!(s.corpus_len() > 5, "{}", s.corpus_len());
}
