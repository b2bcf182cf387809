//! A real engine: a single-node Slurm cluster from Debian's packages (started by
//! `scripts/slurm/local-cluster.sh`) runs `docs/sharding/slurm-array.sh`, a job array of 4
//! shards and a merge job after them, and the merged folder is the report one run with 4 times
//! the workers gives: the same bugs, numbered the same, the same traces byte for byte, the same
//! iteration counts and coverage.
//!
//! Skipped, saying so, where the packages are not installed or the test is not root (`make
//! test` installs them when it can: the Makefile's `slurm` target). Once they are, a cluster
//! that does not start is a failure with its daemons' logs, not a skip.

use crate::*;
use std::time::{Duration, Instant};

/// `scripts/slurm/local-cluster.sh`.
fn cluster_script() -> PathBuf {
    root().join("scripts/slurm/local-cluster.sh")
}

/// A running cluster in its own folder, stopped when dropped.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    /// Starts one, or says why this machine cannot and returns `None`.
    fn start(name: &str) -> Option<Cluster> {
        let check = Command::new(cluster_script())
            .arg("check")
            .output()
            .unwrap();
        if !check.status.success() {
            eprintln!(
                "SKIPPED: no local Slurm cluster here: {} (`make test` installs Debian's slurmctld, slurmd, slurm-client and munge when it can)",
                text(&check).trim()
            );
            return None;
        }
        let dir = out_dir(&format!("slurm-{name}"));
        let o = Command::new(cluster_script())
            .arg("start")
            .arg(&dir)
            .output()
            .unwrap();
        let cluster = Cluster {
            conf: dir.join("slurm.conf"),
            dir,
        };
        assert!(
            o.status.success(),
            "the packages are installed but the cluster did not start:\n{}",
            text(&o)
        );
        Some(cluster)
    }

    /// A Slurm client command against this cluster.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf);
        c
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(cluster_script())
            .arg("stop")
            .arg(&self.dir)
            .status();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The report of `dir` with what differs between any two runs (durations) or between a merged
/// and a single report by design (`merged_shards`; the saturation curve, which a merge
/// estimates: docs/sharding.md) cleared.
fn comparable(dir: &Path) -> Report {
    let mut r = report(dir);
    r.merged_shards = None;
    for t in &mut r.tests {
        t.duration_secs = 0.0;
        t.saturation = None;
    }
    r
}

/// Asserts that `merged` holds the run that `single` holds: report, coverage, every trace.
pub(crate) fn assert_same_run(single: &Path, merged: &Path) {
    let (one, many) = (comparable(single), comparable(merged));
    assert_eq!(one.tests.len(), many.tests.len());
    for (a, b) in one.tests.iter().zip(&many.tests) {
        assert_eq!(a.bugs, b.bugs, "bugs of {}, numbered and in order", a.test);
        assert_eq!(a.iterations, b.iterations, "iterations of {}", a.test);
        assert_eq!(a, b, "the report of {}", a.test);
    }
    assert_eq!(one, many, "the whole report");
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap_or_default();
    assert_eq!(
        read(single, "coverage.json"),
        read(merged, "coverage.json"),
        "coverage.json"
    );
    for bug in one.tests.iter().flat_map(|t| &t.bugs) {
        let trace = read(merged, &bug.trace);
        assert!(!trace.is_empty(), "the merged folder keeps {}", bug.trace);
        assert_eq!(read(single, &bug.trace), trace, "trace {}", bug.trace);
    }
}

/// The Slurm job's state (`COMPLETED`, `FAILED`, `PENDING` ...), from `scontrol`.
fn job_state(cluster: &Cluster, job: &str) -> String {
    let o = cluster
        .command("scontrol")
        .args(["show", "job", "-o", job])
        .output()
        .unwrap();
    let t = text(&o);
    t.split_whitespace()
        .find_map(|w| w.strip_prefix("JobState="))
        .unwrap_or("UNKNOWN")
        .to_string()
}

#[test]
fn a_slurm_job_array_of_four_shards_merges_to_the_report_of_one_run() {
    let Some(cluster) = Cluster::start("array") else {
        return;
    };
    let lib = lib("account_manager");
    let work = out_dir("slurm-array-run");
    std::fs::create_dir_all(&work).unwrap();
    let (seed, iterations, extra) = ("11", "4000", "--coverage");

    // The single run: 4 workers on this machine.
    let single = work.join("single");
    let started = Instant::now();
    let o = coyote(&[
        "test",
        s(&lib),
        "--seed",
        seed,
        "-i",
        iterations,
        "-j",
        "4",
        "--explore",
        "--coverage",
        "-o",
        s(&single),
    ]);
    let single_time = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // The same run as a Slurm job array of 4 one-worker shards, merged by a dependent job.
    let out = work.join("slurm");
    let started = Instant::now();
    let o = cluster
        .command("bash")
        .arg(root().join("docs/sharding/slurm-array.sh"))
        .arg("--wait")
        .current_dir(&work)
        .env("COYOTE_BIN", target().join("coyote"))
        .env("COYOTE_LIB", &lib)
        .env("COYOTE_SHARDS", "4")
        .env("COYOTE_WORKERS", "1")
        .env("COYOTE_ITERATIONS", iterations)
        .env("COYOTE_SEED", seed)
        .env("COYOTE_ARGS", extra)
        .env("COYOTE_OUT", &out)
        .output()
        .unwrap();
    let slurm_time = started.elapsed();
    let logs = || {
        let mut all = text(&o);
        for e in std::fs::read_dir(out.join("logs")).into_iter().flatten() {
            let p = e.unwrap().path();
            all += &format!(
                "--- {}\n{}",
                p.display(),
                std::fs::read_to_string(&p).unwrap()
            );
        }
        all
    };
    assert_eq!(
        o.status.code(),
        Some(1),
        "a bug: the merge job exits 1\n{}",
        logs()
    );
    let t = text(&o);
    let array = t
        .lines()
        .find_map(|l| l.strip_prefix("shards: job array "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("the array's job id: {t}"))
        .to_string();

    // Slurm ran every task: each shard found its number in SLURM_ARRAY_TASK_ID/COUNT.
    for k in 1..=4u32 {
        let shard = report(&out.join(format!("shard-{k}")));
        let run = shard.shard.expect("a shard's report says which shard");
        assert_eq!((run.number, run.count), (k, 4), "shard-{k}");
        let task = format!("{array}_{}", k - 1);
        assert_eq!(
            job_state(&cluster, &task),
            "FAILED",
            "task {task}: exit 1, a bug"
        );
    }
    assert_same_run(&single, &out.join("merged"));
    assert!(out.join("merged/junit.xml").is_file());
    eprintln!(
        "FIGURES: single run -j 4: {:.2}s; Slurm array of 4 shards -j 1 + merge job (sbatch --wait): {:.2}s",
        single_time.as_secs_f64(),
        slurm_time.as_secs_f64()
    );
    assert!(slurm_time < Duration::from_secs(120), "{slurm_time:?}");
    let _ = std::fs::remove_dir_all(&work);
}
