use super::*;
use crate::strategy::testing::run_with_memory;

/// Runs one iteration of `n` operations of `len` steps each, all enabled until done, whose
/// memory state is `state(steps left per op)`; returns the order of the operations.
fn run(s: &mut Mff, n: u32, len: u32, state: &dyn Fn(&[u32]) -> u64) -> Vec<OpId> {
    run_with_memory(s, n, len, state).expect("mff never stops an iteration")
}

/// A state reached only when operation 1 runs all its steps before operation 0 starts.
fn one_first(left: &[u32]) -> u64 {
    (left[0] == 4 && left[1] == 0) as u64
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
    let (mut followed, mut copied) = (0, 0);
    for _ in 0..200 {
        run(&mut s, 3, 4, &counts);
        if let Some(k) = s.seed {
            assert_eq!(s.decisions[..s.keep], s.corpus[k].decisions[..s.keep]);
            followed += 1;
            copied += s.keep;
        }
    }
    assert!(copied > 200, "the cuts copied {copied} decisions in all");
    assert!(
        followed > 100,
        "three iterations in four follow a seed: {followed}"
    );
    assert!(s.corpus_len() > 5, "{}", s.corpus_len());
}
