use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("coyote").chain(args.iter().copied()))
}

fn rejected(args: &[&str]) -> String {
    let err = parse(args).unwrap_err();
    arg_error_line(&err).expect("one of our parsers rejected it")
}

#[test]
fn values_are_typed_once() {
    let Command::Test(t) = parse(&[
        "test",
        "l.so",
        "--strategy",
        "pct:5",
        "-j",
        "2",
        "--timeout",
        "1.5",
    ])
    .unwrap()
    .command
    else {
        panic!("a test command")
    };
    let plan = t.plan().unwrap();
    assert_eq!(plan.strategy, StrategySpec::Pct(5));
    assert_eq!(plan.parallel.map(NonZeroU32::get), Some(2));
    assert_eq!(plan.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(plan.iteration_timeout, Duration::from_secs(10));
    assert_eq!(plan.iterations.get(), 10_000);
    assert_eq!(plan.lib, LibSource::Path("l.so".into()));
    assert!(!plan.html && plan.until_saturated.is_none() && !plan.counts_coverage());
    let Command::Test(t) = parse(&["test", "l.so", "--until-saturated", "500", "--html"])
        .unwrap()
        .command
    else {
        panic!("a test command")
    };
    let plan = t.plan().unwrap();
    assert_eq!(plan.until_saturated.map(NonZeroU64::get), Some(500));
    assert!(plan.html && plan.counts_coverage());
    let Command::Report(r) = parse(&["report", "out"]).unwrap().command else {
        panic!("a report command")
    };
    assert_eq!((r.dir, r.output), (PathBuf::from("out"), None));
}

#[test]
fn bad_values_are_one_line_naming_the_option() {
    assert_eq!(
        rejected(&["test", "l.so", "-i", "0"]),
        "--iterations must be at least 1"
    );
    assert_eq!(
        rejected(&["test", "l.so", "-j", "0"]),
        "--parallel must be at least 1"
    );
    assert_eq!(
        rejected(&["test", "l.so", "--until-saturated", "0"]),
        "--until-saturated must be at least 1"
    );
    assert_eq!(
        rejected(&["test", "l.so", "--max-steps", "0"]),
        "--max-steps must be at least 1"
    );
    assert_eq!(
        rejected(&["test", "l.so", "--timeout", "0"]),
        "--timeout must be a positive number of seconds"
    );
    assert_eq!(
        rejected(&["test", "l.so", "--iteration-timeout", "inf"]),
        "--iteration-timeout must be a positive number of seconds"
    );
    assert!(rejected(&["test", "l.so", "--strategy", "bogus"])
        .starts_with("--strategy: unknown strategy 'bogus' (known: "));
    // Not a number at all: clap's own message, as before.
    let err = parse(&["test", "l.so", "-i", "many"]).unwrap_err();
    assert_eq!(arg_error_line(&err), None);
}

#[test]
fn shards_parse_from_one_and_need_a_seed() {
    let Command::Test(t) = parse(&["test", "l.so", "--seed", "3", "--shard", "2/4", "-o", "o"])
        .unwrap()
        .command
    else {
        panic!("a test command")
    };
    let plan = t.plan().unwrap();
    assert_eq!(plan.shard, Some(Shard { index: 1, count: 4 }));
    assert_eq!(plan.out, PathBuf::from("o"), "-o wins over shard-K-of-N");
    assert_eq!(
        rejected(&["test", "l.so", "--seed", "1", "--shard", "3/2"]),
        "--shard: shard 3 of 2 does not exist: shards are numbered 1 to 2"
    );
    assert!(
        parse(&["test", "l.so", "--shard", "1/2"]).is_err(),
        "no --seed"
    );
    let Command::Merge(m) = parse(&["merge", "a", "b", "-o", "m"]).unwrap().command else {
        panic!("a merge command")
    };
    let m = m.plan();
    assert_eq!((m.dirs.len(), m.out), (2, PathBuf::from("m")));
    assert!(parse(&["merge", "-o", "m"]).is_err(), "at least one folder");
}
