use super::*;
use crate::strategy::testing::run_once;
use crate::strategy::Pct;

#[test]
fn workers_0_and_1_probe_first_then_all_rotate() {
    let names = Portfolio::member_names();
    for worker in [0u32, 1, 3, 9] {
        let mut p = Portfolio::for_worker(1, worker, Bounds::default());
        let probes: &[&str] = match worker {
            0 => &[
                "sweep:newest-first",
                "round-robin:newest-first",
                "write-turns:oldest-first",
            ],
            1 => &["sweep:oldest-first", "round-robin:oldest-first"],
            _ => &[],
        };
        for probe in probes {
            // A probe's schedule is the same for every seed; the round robin alternates.
            let order = run_once(&mut p, 3, 2).unwrap();
            assert_eq!(p.name(), format!("portfolio/{probe}"));
            let alternate = order.windows(2).all(|w| w[0] != w[1]);
            assert_eq!(alternate, probe.starts_with("round-robin"), "{order:?}");
        }
        for i in 0..2 * names.len() {
            run_once(&mut p, 3, 3).unwrap();
            let expect = &names[(worker as usize + i) % names.len()];
            assert_eq!(p.name(), format!("portfolio/{expect}"));
        }
    }
    let mut p = Portfolio::for_worker(1, 6, Bounds::default());
    assert!(p.begin_iteration());
    assert_eq!(p.name(), "portfolio/fair-pct:5");
    assert!(p.is_fair() && !p.needs_state_hash() && !p.needs_accesses());
    p.end_iteration(&IterationEnd::default());
    assert!(p.begin_iteration());
    assert_eq!(p.name(), "portfolio/pos");
    assert!(!p.is_fair() && p.needs_accesses());
    p.end_iteration(&IterationEnd::default());
    assert!(p.begin_iteration());
    assert_eq!(p.name(), "portfolio/pct:5");
    assert!(!p.is_fair());
    assert!(!p.exhausted());
}

#[test]
fn members_learn_the_length_from_every_iteration() {
    let switches = |order: &[OpId]| order.windows(2).filter(|w| w[0] != w[1]).count();
    let mut guessed = Vec::new();
    for seed in 1..20 {
        // Worker 1's sweep runs 2 ops of 20 steps (39 decisions) and teaches no length; its
        // round robin runs 2 ops of 3 steps: 5 decisions. fair-pct:5 runs next, for the first
        // time, and already draws its 4 change points over decisions 1..=4: each is a
        // demotion, so the two ops alternate at every step. (Over 39 decisions, most change
        // points would fall after the iteration's end.)
        let mut p = Portfolio::for_worker(seed, 1, Bounds::default());
        run_once(&mut p, 2, 20).unwrap();
        assert_eq!(p.name(), "portfolio/sweep:oldest-first");
        run_once(&mut p, 2, 3).unwrap();
        let order = run_once(&mut p, 2, 3).unwrap();
        assert_eq!(p.name(), "portfolio/fair-pct:5");
        assert_eq!(switches(&order), 5, "seed {seed}: {order:?}");
        // On its own, its first iteration draws over a guess of 16 decisions.
        guessed.push(switches(&run_once(&mut Pct::new(seed, 5), 2, 3).unwrap()));
        // Worker 0 likewise, with its write hand-over after the round robin: a long one
        // (2 ops of 20 steps), which teaches no length either, so pct:5's first turn still
        // draws over the round robin's 5 decisions.
        let mut p = Portfolio::for_worker(seed, 0, Bounds::default());
        run_once(&mut p, 2, 20).unwrap();
        run_once(&mut p, 2, 3).unwrap();
        run_once(&mut p, 2, 20).unwrap();
        assert_eq!(p.name(), "portfolio/write-turns:oldest-first");
        let order = run_once(&mut p, 2, 3).unwrap();
        assert_eq!(p.name(), "portfolio/pct:5");
        assert_eq!(switches(&order), 5, "worker 0, seed {seed}: {order:?}");
    }
    assert!(guessed.iter().any(|&s| s < 5), "{guessed:?}");
}

#[test]
fn a_members_own_length_wins_over_a_longer_borrowed_one() {
    // Worker 6 has no probes and starts at position 6: fair-pct:5 (its first turn), then
    // pos, pct:5, and fair-pct:5 again. fair-pct:5's own iteration of a short program (2 ops
    // of 3 steps) makes at most 5 decisions; the two members between its turns run a long
    // one (2 ops of 40 steps, up to 79). Its second turn on the short program draws its
    // change points over its own length, so they fall inside the iteration and the ops
    // switch; over 79 decisions most would fall after the end.
    let switches = |order: &[OpId]| order.windows(2).filter(|w| w[0] != w[1]).count();
    let mut switched = 0;
    for seed in 1..=20 {
        let mut p = Portfolio::for_worker(seed, 6, Bounds::default());
        run_once(&mut p, 2, 3).unwrap();
        assert_eq!(p.name(), "portfolio/fair-pct:5");
        for _ in 0..2 {
            run_once(&mut p, 2, 40).unwrap();
        }
        let order = run_once(&mut p, 2, 3).unwrap();
        assert_eq!(p.name(), "portfolio/fair-pct:5");
        switched += usize::from(switches(&order) >= 2);
    }
    assert!(
        switched >= 15,
        "{switched} of 20 seeds switched twice or more"
    );
}

#[test]
fn an_iteration_cut_at_the_bound_teaches_no_length() {
    // As above, but the round robin's iteration is reported cut at the step bound: fair-pct:5's
    // first turn falls back to the guess, and does not alternate at every step on every seed.
    let switches = |order: &[OpId]| order.windows(2).filter(|w| w[0] != w[1]).count();
    let mut alternated = 0;
    for seed in 1..20 {
        let mut p = Portfolio::for_worker(seed, 1, Bounds::default());
        run_once(&mut p, 2, 3).unwrap();
        run_ending(
            &mut p,
            IterationEnd {
                steps: 5,
                bug: false,
                hit_bound: true,
                wrote_atomics: false,
            },
        );
        let order = run_once(&mut p, 2, 3).unwrap();
        assert_eq!(p.name(), "portfolio/fair-pct:5");
        alternated += usize::from(switches(&order) == 5);
    }
    assert!(
        alternated < 19,
        "every seed alternated: the bound-cut length was learned"
    );
}

#[test]
fn function_of_seed_and_worker() {
    let runs = |seed, worker| {
        let mut p = Portfolio::for_worker(seed, worker, Bounds::default());
        (0..24)
            .map(|_| run_once(&mut p, 3, 4).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(runs(5, 2), runs(5, 2));
    assert_ne!(runs(5, 2), runs(5, 3));
    assert_ne!(runs(5, 2), runs(6, 2));
}

/// Runs one iteration of 5 decisions between 2 operations, ending it with `end`; returns the
/// name of the member that ran it.
fn run_ending(p: &mut Portfolio, end: IterationEnd) -> String {
    assert!(p.begin_iteration());
    let enabled = [0, 1];
    for step in 0..5 {
        let point = SchedulingPoint {
            enabled: &enabled,
            accesses: &[],
            current: None,
            step,
            yielded: false,
            state_hash: 0,
        };
        p.next_operation(&point).unwrap();
    }
    let name = p.name();
    p.end_iteration(&end);
    name
}

/// [`run_ending`] of a complete iteration, reporting whether it changed an atomic.
fn run_reporting(p: &mut Portfolio, wrote_atomics: bool) -> String {
    run_ending(
        p,
        IterationEnd {
            steps: 6,
            bug: false,
            hit_bound: false,
            wrote_atomics,
        },
    )
}

#[test]
fn mff_joins_after_one_round_only_when_the_program_changes_atomics() {
    let rotation: Vec<String> = Portfolio::member_names()
        .iter()
        .map(|n| format!("portfolio/{n}"))
        .collect();
    // Worker 3 has no probes: it starts at position 3.
    let mut without = Portfolio::for_worker(1, 3, Bounds::default());
    let mut with = Portfolio::for_worker(1, 3, Bounds::default());
    for i in 0..rotation.len() {
        let expect = &rotation[(3 + i) % rotation.len()];
        assert_eq!(&run_reporting(&mut without, false), expect);
        assert_eq!(
            &run_reporting(&mut with, true),
            expect,
            "the first round is the same"
        );
    }
    for round in 0..3 {
        for _ in 0..MEMORY_TURNS {
            assert_eq!(
                run_reporting(&mut with, true),
                "portfolio/mff",
                "round {round}"
            );
        }
        let expect = &rotation[(3 + rotation.len() + round) % rotation.len()];
        assert_eq!(&run_reporting(&mut with, true), expect);
    }
    for i in 0..3 * rotation.len() {
        let expect = &rotation[(3 + rotation.len() + i) % rotation.len()];
        assert_eq!(
            &run_reporting(&mut without, false),
            expect,
            "no atomics, no mff"
        );
    }
}
