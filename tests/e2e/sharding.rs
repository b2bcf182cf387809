//! Shards and `coyote merge`: N shards merged give the report, the bug numbering, the traces
//! and the coverage of one run with N times the workers; exhaustive searches split their space
//! and the merge counts it as one process does; a wrong set of shards gets one clear line.

use crate::*;
use std::collections::BTreeMap;

/// `coyote test LIB --test TEST -o OUT --seed 9 ARGS...`, asserting its exit code.
fn run(lib: &Path, test: &str, out: &Path, args: &[&str], code: i32) -> String {
    let o = coyote_test(lib, test, out, &[&["--seed", "9"], args].concat());
    let t = text(&o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    t
}

/// Runs `n` shards of `args` (`-j per` each) into `<name>-<k>`, merges them into `<name>-m`:
/// the merge's output and folder.
fn shards_merged(
    lib: &Path,
    test: &str,
    name: &str,
    n: u32,
    args: &[&str],
    code: i32,
) -> (String, PathBuf) {
    let mut dirs = Vec::new();
    for k in 1..=n {
        let dir = out_dir(&format!("{name}-{k}"));
        let shard = format!("{k}/{n}");
        run(
            lib,
            test,
            &dir,
            &[args, &["--shard", &shard]].concat(),
            code,
        );
        dirs.push(dir);
    }
    let merged = out_dir(&format!("{name}-m"));
    let mut argv = vec!["merge"];
    // Given out of order: the merge sorts them.
    argv.extend(dirs.iter().rev().map(|d| s(d)));
    argv.extend(["-o", s(&merged)]);
    let o = coyote(&argv);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "the merge exits as the run: {t}"
    );
    (t, merged)
}

/// The report as JSON without what depends on the machine's timing (durations, and the
/// saturation curve, whose placement of findings depends on the workers' progress) and the
/// merge's own mark.
fn comparable(out: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("merged_shards");
    for t in v["tests"].as_array_mut().unwrap() {
        let t = t.as_object_mut().unwrap();
        t.remove("duration_secs");
        t.remove("saturation");
    }
    v
}

/// The trace files of a folder, by name.
fn traces(out: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "trace"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn n_shards_merged_are_one_run_with_n_times_the_workers() {
    // foo_bar under --explore finds several distinct bugs: their numbering is at stake.
    let foo = lib("foo_bar");
    for n in [1u32, 2, 4] {
        let args = ["--explore", "--coverage", "-i", "240"];
        let single = out_dir(&format!("shard-single-{n}"));
        let j = (2 * n).to_string();
        run(
            &foo,
            "foo_bar",
            &single,
            &[&args[..], &["-j", &j]].concat(),
            1,
        );
        let (t, merged) = shards_merged(
            &foo,
            "foo_bar",
            &format!("shard-{n}"),
            n,
            &[&args[..], &["-j", "2"]].concat(),
            1,
        );
        let (one, all) = (report(&single), report(&merged));
        assert!(one.tests[0].bugs.len() >= 3, "{:?}", one.tests[0].bugs);
        assert_eq!(all.merged_shards, Some(n));
        assert_eq!(all.workers, 2 * n);
        assert_eq!(comparable(&single), comparable(&merged), "N = {n}");
        let (a, b) = (traces(&single), traces(&merged));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        assert!(
            a == b,
            "N = {n}: the traces are byte for byte the single run's"
        );
        assert_eq!(
            std::fs::read(single.join("coverage.json")).unwrap(),
            std::fs::read(merged.join("coverage.json")).unwrap()
        );
        // Coverage items are counted once across shards, as across workers.
        let items = |r: &Report| r.tests[0].saturation.as_ref().unwrap().total.items();
        assert_eq!(items(&one), items(&all));
        // Distinct schedules too: one two shards both ran counts once (by its hash).
        let schedules = |r: &Report| r.tests[0].saturation.as_ref().unwrap().total.schedules;
        assert_eq!(schedules(&one), schedules(&all), "N = {n}");
        // What CI reads: the summary names the merged traces; JUnit and HTML are there.
        assert!(
            t.contains(&format!(
                "bug 1 of foo_bar, iteration {}",
                one.tests[0].bugs[0].iteration
            )),
            "{t}"
        );
        let junit = std::fs::read_to_string(merged.join("junit.xml")).unwrap();
        assert!(
            junit.contains("foo_bar-1.trace") && junit.contains("<failure"),
            "{junit}"
        );
        assert!(merged.join("report.html").is_file());
        let trace = merged.join("foo_bar-2.trace");
        let r = coyote(&["replay", s(&trace)]);
        assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    }
}

#[test]
fn without_explore_the_merge_keeps_the_first_bug_of_the_run() {
    let foo = lib("foo_bar");
    let single = out_dir("shard-first-single");
    run(&foo, "foo_bar", &single, &["-i", "400", "-j", "4"], 1);
    let (_, merged) = shards_merged(
        &foo,
        "foo_bar",
        "shard-first",
        2,
        &["-i", "400", "-j", "2"],
        1,
    );
    let (one, all) = (report(&single), report(&merged));
    let bugs = |r: &Report| {
        r.tests[0]
            .bugs
            .iter()
            .map(|b| (b.trace.clone(), b.iteration, b.worker, b.message.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bugs(&one), bugs(&all));
    assert_eq!(traces(&single), traces(&merged));
    // A fixed test: no bug, exit 0 from every shard and from the merge.
    let (t, _) = shards_merged(
        &foo,
        "foo_bar_fixed",
        "shard-fixed",
        2,
        &["-i", "100", "-j", "1"],
        0,
    );
    assert!(t.contains("foo_bar_fixed: 0 bugs, 100 iterations"), "{t}");
}

#[test]
fn exhaustive_search_splits_its_space_and_the_merge_counts_it_whole() {
    let foo = lib("foo_bar");
    let one = run(
        &foo,
        "foo_bar_fixed",
        &out_dir("shard-dfs"),
        &["--strategy", "dfs", "-i", "1000000"],
        0,
    );
    assert!(
        one.contains("explored the whole space: 2688 schedules"),
        "{one}"
    );
    for n in [2, 4] {
        let (t, merged) = shards_merged(
            &foo,
            "foo_bar_fixed",
            &format!("shard-dfs-{n}"),
            n,
            &["--strategy", "dfs", "-i", "1000000"],
            0,
        );
        assert!(
            t.contains("explored the whole space: 2688 schedules"),
            "N = {n}: {t}"
        );
        // Each shard explored a part, not the whole.
        let part = report(&out_dir_kept(&format!("shard-dfs-{n}-1")));
        let s1 = part.tests[0].schedules_explored.unwrap();
        assert!(s1 > 0 && s1 < 2688, "{s1}");
        assert!(report(&merged).tests[0].exhausted);
    }
    let sct = lib("sctbench");
    let args = ["--strategy", "idb:2", "-i", "100000"];
    let one = run(
        &sct,
        "bluetooth_driver_fixed",
        &out_dir("shard-idb"),
        &args,
        0,
    );
    let count = |t: &str| {
        let at = t.find("round robin: ").expect(t) + "round robin: ".len();
        t[at..].split_whitespace().next().unwrap().to_string()
    };
    for n in [2, 4] {
        let (t, _) = shards_merged(
            &sct,
            "bluetooth_driver_fixed",
            &format!("shard-idb-{n}"),
            n,
            &args,
            0,
        );
        assert!(
            t.contains("explored every schedule within 2 delays of round robin: "),
            "{t}"
        );
        assert_eq!(count(&t), count(&one), "N = {n}: {t}");
    }
}

/// A shard folder `out_dir` made earlier in this process (without clearing it).
fn out_dir_kept(name: &str) -> PathBuf {
    scratch().join(name)
}

#[test]
fn bad_shards_and_bad_sets_of_shards_get_one_line() {
    let foo = lib("foo_bar");
    let out = out_dir("shard-bad");
    for (shard, needle) in [
        (
            "5/4",
            "--shard: shard 5 of 4 does not exist: shards are numbered 1 to 4",
        ),
        ("0/4", "shards are numbered 1 to 4"),
        ("1/0", "a run has at least one shard"),
        ("x", "is not K/N"),
    ] {
        let o = coyote_test(&foo, "foo_bar", &out, &["--seed", "1", "--shard", shard]);
        assert_bad_input(&o, needle);
    }
    let o = Command::new(target().join("coyote"))
        .args([
            "test",
            s(&foo),
            "--seed",
            "1",
            "--shard",
            "auto",
            "-o",
            s(&out),
        ])
        .env_remove("COYOTE_SHARD_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert_bad_input(&o, "--shard auto found no shard in the environment");
    let o = Command::new(target().join("coyote"))
        .args([
            "test",
            s(&foo),
            "--seed",
            "1",
            "--shard",
            "auto",
            "-o",
            s(&out),
        ])
        .env("JOB_COMPLETION_INDEX", "1")
        .output()
        .unwrap();
    assert_bad_input(&o, "pass --shard-count N");

    // `auto` in a Slurm array whose ids start at 1, and the default folder name.
    let cwd = outside_cargo("shard-auto");
    std::fs::create_dir_all(&cwd).unwrap();
    let o = Command::new(target().join("coyote"))
        .current_dir(&cwd)
        .args([
            "test",
            s(&foo),
            "--test",
            "foo_bar_fixed",
            "--seed",
            "1",
            "-i",
            "20",
            "-j",
            "1",
            "--shard",
            "auto",
        ])
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = report(&cwd.join("coyote-out/shard-3-of-3"));
    assert_eq!(r.shard.as_ref().map(|s| (s.number, s.count)), Some((3, 3)));
    let _ = std::fs::remove_dir_all(&cwd);

    let dir = |name: &str, args: &[&str]| {
        let d = out_dir(name);
        run(
            &foo,
            "foo_bar_fixed",
            &d,
            &[&["-i", "20", "-j", "1"], args].concat(),
            0,
        );
        d
    };
    let a1 = dir("shard-set-1", &["--shard", "1/3"]);
    let a2 = dir("shard-set-2", &["--shard", "2/3"]);
    let merged = out_dir("shard-set-m");
    let merge = |dirs: &[&Path]| {
        let mut argv = vec!["merge"];
        argv.extend(dirs.iter().map(|d| s(d)));
        argv.extend(["-o", s(&merged)]);
        coyote(&argv)
    };
    assert_bad_input(
        &merge(&[&a1, &a2]),
        "missing shard 3 of 3: a merge needs every shard of the run",
    );
    assert_bad_input(&merge(&[&a1, &a2, &a2]), "shard 2 of 3 is given twice");
    let other = out_dir("shard-set-other");
    let o = coyote_test(
        &foo,
        "foo_bar_fixed",
        &other,
        &["--seed", "10", "-i", "20", "-j", "1", "--shard", "3/3"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_bad_input(&merge(&[&a1, &a2, &other]), "is from another run than");
    assert_bad_input(&merge(&[&a1, &a2, &other]), "its seed (10, not 9)");
    let plain = out_dir("shard-set-plain");
    run(&foo, "foo_bar_fixed", &plain, &["-i", "20", "-j", "1"], 0);
    assert_bad_input(&merge(&[&plain]), "is not a shard's folder");
    assert!(!merged.exists(), "a refused merge writes nothing");
    let a3 = dir("shard-set-3", &["--shard", "3/3"]);
    let o = coyote(&["merge", s(&a1), s(&a2), s(&a3), "-o", s(&a2)]);
    assert_bad_input(&o, "is one of the shards' folders");
    let o = coyote(&["merge", s(&a1), s(&a2), s(&a3), "-o", s(&merged)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Two shards given one -o folder on one machine: the second is refused, the first's
    // output is kept.
    let o = coyote_test(
        &foo,
        "foo_bar_fixed",
        &a1,
        &["--seed", "9", "-i", "20", "-j", "1", "--shard", "2/3"],
    );
    assert_bad_input(
        &o,
        "holds the output of shard 1/3: give each shard its own -o folder",
    );
    assert_eq!(report(&a1).shard.map(|s| s.number), Some(1));
}
