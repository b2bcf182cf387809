//! The sharding recipes of `docs/sharding/` run as their engines would run them, on the
//! account-manager sample, each giving the merged folder of the single run with all their
//! workers: the GitHub Actions workflow (its jobs, matrix, artifacts and step conditions,
//! emulated: `actions_emulator`), the Kubernetes Indexed Job (each pod's command with its
//! `JOB_COMPLETION_INDEX`, the merge Job's init container that waits), and the Slurm array script
//! (its job steps with the variables Slurm sets; the real cluster is `slurm.rs`).
//!
//! The YAML is read with PyYAML (`make test` installs Debian's python3-yaml when no python3 has
//! it); without it those two tests say they are skipped.

use crate::slurm::assert_same_run;
use crate::*;
use serde_json::Value;
use std::collections::BTreeMap;

mod actions_emulator;

/// A recipe in `docs/sharding/`.
pub(crate) fn recipe(name: &str) -> PathBuf {
    root().join("docs/sharding").join(name)
}

/// The documents of a YAML file, as JSON, or `None` (saying so) without PyYAML.
pub(crate) fn yaml(path: &Path) -> Option<Vec<Value>> {
    const LOAD: &str =
        "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))";
    for python in ["python3", "/usr/bin/python3"] {
        let Ok(o) = Command::new(python).args(["-c", LOAD]).arg(path).output() else {
            continue;
        };
        if o.status.success() {
            return Some(serde_json::from_slice(&o.stdout).expect("PyYAML's JSON"));
        }
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("No module named 'yaml'"),
            "{} does not parse: {err}",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: no PyYAML to read {} (Debian: apt-get install python3-yaml; `make test` does when it can)",
        path.display()
    );
    None
}

/// Asserts that `script` parses as `shell` (`bash` or `sh`) script.
pub(crate) fn assert_parses(shell: &str, script: &str, what: &str) {
    let o = Command::new(shell)
        .args(["-n", "-c", script])
        .output()
        .unwrap();
    assert!(o.status.success(), "{what}: {}\n{script}", text(&o));
}

/// The single run the recipes' shards must add up to: `coyote test LIB --explore` with `workers`
/// workers, into `out`.
pub(crate) fn single_run(lib: &Path, seed: &str, iterations: &str, workers: u32, out: &Path) {
    let j = workers.to_string();
    let o = coyote(&[
        "test",
        s(lib),
        "--seed",
        seed,
        "-i",
        iterations,
        "-j",
        &j,
        "--explore",
        "-o",
        s(out),
    ]);
    assert_eq!(o.status.code(), Some(1), "the sample's bugs: {}", text(&o));
}

/// Iterations the tests run instead of the recipes' (which are sized for real machines).
const ITERATIONS: &str = "4000";

#[test]
fn the_github_actions_workflow_shards_and_merges_as_one_run() {
    let Some(docs) = yaml(&recipe("github-actions.yml")) else {
        return;
    };
    built();
    let work = out_dir("recipe-actions");
    let runs =
        actions_emulator::run_workflow(&docs[0], &work, &[("COYOTE_ITERATIONS", ITERATIONS)]);

    // Every shard job passed (a bug is exit 1 of `coyote test`, left to the merge); the merge
    // job failed on the sample's bugs, and still uploaded the merged folder.
    for (job, run) in &runs {
        if job.starts_with("shard") {
            assert!(run.failed.is_none(), "{job}: {run:?}");
        }
    }
    let merge = &runs["merge"];
    assert_eq!(
        merge.failed.as_deref(),
        Some("merge the shards (exit 1 on a bug fails the job)")
    );
    assert!(
        merge.ran.iter().any(|s| s == "upload the merged folder"),
        "{merge:?}"
    );

    // The single run with the matrix's 4 x COYOTE_WORKERS workers, same seed, same library
    // path (every runner checks out into the same workspace).
    let env = actions_emulator::workflow_env(&docs[0]);
    let workers: u32 = env["COYOTE_WORKERS"].parse().unwrap();
    let shards = docs[0]["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap()
        .len() as u32;
    let ws = work.join("workspace");
    actions_emulator::fresh(&ws);
    actions_emulator::copy_dir(&work.join("artifacts/coyote-build"), &ws.join("dist"));
    let single = work.join("single");
    let lib = ws.join(&env["COYOTE_LIB"]);
    single_run(
        &lib,
        &env["COYOTE_SEED"],
        ITERATIONS,
        shards * workers,
        &single,
    );
    assert_same_run(&single, &work.join("artifacts/coyote-merged"));

    // Shards that fail (here: bad input, exit 2) fail their jobs, and the merge job still runs
    // (`!cancelled()`), saying what is missing, instead of being skipped with no verdict.
    let jobs = &docs[0]["jobs"];
    assert_eq!(
        jobs["shard"]["strategy"]["fail-fast"], false,
        "one shard's bug cancels none"
    );
    let broken = [
        ("COYOTE_ITERATIONS", ITERATIONS),
        ("COYOTE_LIB", "dist/missing.so"),
    ];
    let runs = actions_emulator::run_workflow(&docs[0], &work, &broken);
    for (job, run) in &runs {
        if job.starts_with("shard") {
            assert!(run.failed.is_some(), "{job}: {run:?}");
            assert!(run.log.contains("missing.so"), "{job}: {}", run.log);
        }
    }
    let merge = runs
        .get("merge")
        .expect("the merge job runs after failed shards");
    assert_eq!(
        merge.failed.as_deref(),
        Some("merge the shards (exit 1 on a bug fails the job)")
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// A container's argv and environment, from a pod template.
struct Container {
    argv: Vec<String>,
    env: BTreeMap<String, String>,
}

fn container(c: &Value, mounts: &Path) -> Container {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut argv = strings(&c["command"]);
    argv.extend(strings(&c["args"]));
    let mut env = BTreeMap::new();
    for e in c["env"].as_array().unwrap() {
        let value = e["value"]
            .as_str()
            .expect("a literal env value")
            .to_string();
        env.insert(e["name"].as_str().unwrap().to_string(), value);
    }
    // The volume: its mount path, here a folder; the scripts reach it only through the env.
    for m in c["volumeMounts"].as_array().unwrap() {
        let at = m["mountPath"].as_str().unwrap();
        for a in &argv {
            assert!(!a.contains(at), "{at} only through the env: {a}");
        }
        for v in env.values_mut() {
            if let Some(rest) = v.strip_prefix(at) {
                *v = format!("{}{rest}", mounts.display());
            }
        }
    }
    Container { argv, env }
}

impl Container {
    fn run(&self, extra: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            target().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new(&self.argv[0]);
        c.args(&self.argv[1..]).env("PATH", path).envs(&self.env);
        c.envs(extra.iter().copied());
        c.output().unwrap()
    }
}

#[test]
fn the_kubernetes_indexed_job_shards_and_merges_as_one_run() {
    let Some(docs) = yaml(&recipe("k8s-indexed-job.yaml")) else {
        return;
    };
    let job = |name: &str| {
        docs.iter()
            .find(|d| d["kind"] == "Job" && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("a Job named {name}"))
    };
    let (shards, merge) = (job("coyote-shards"), job("coyote-merge"));
    assert_eq!(shards["spec"]["completionMode"], "Indexed");
    let completions = shards["spec"]["completions"].as_u64().unwrap();
    let pod = &shards["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never", "podFailurePolicy needs it");
    let rule = &shards["spec"]["podFailurePolicy"]["rules"][0];
    assert_eq!(
        rule["onExitCodes"]["containerName"],
        pod["containers"][0]["name"]
    );

    let lib = lib("account_manager");
    let work = out_dir("recipe-k8s");
    let volume = work.join("volume");
    std::fs::create_dir_all(&volume).unwrap();
    let shard = container(&pod["containers"][0], &volume);
    let mpod = &merge["spec"]["template"]["spec"];
    let wait = container(&mpod["initContainers"][0], &volume);
    let merger = container(&mpod["containers"][0], &volume);
    for c in [&shard, &wait, &merger] {
        assert_eq!(
            c.env["COYOTE_SHARD_COUNT"],
            completions.to_string(),
            "= completions"
        );
        assert_eq!(c.env["COYOTE_RUN_DIR"], shard.env["COYOTE_RUN_DIR"]);
        assert_parses("sh", c.argv.last().unwrap(), "a container's sh -c script");
    }
    let lib_env = ("COYOTE_LIB", s(&lib));
    let iterations = ("COYOTE_ITERATIONS", ITERATIONS);

    // Before the shards, the merge's init container waits.
    let o = Command::new("timeout")
        .arg("1")
        .args(&wait.argv)
        .envs(&wait.env)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(124), "still waiting: {}", text(&o));

    // Each pod: JOB_COMPLETION_INDEX from 0, set by the Job controller.
    for i in 0..completions {
        let index = i.to_string();
        let o = shard.run(&[lib_env, iterations, ("JOB_COMPLETION_INDEX", &index)]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "pod {i}: a bug is not a retry\n{}",
            text(&o)
        );
        let run_dir = PathBuf::from(&shard.env["COYOTE_RUN_DIR"]);
        let r = report(&run_dir.join(format!("shard-{}", i + 1)));
        assert_eq!(
            r.shard.map(|s| (s.number, s.count)),
            Some((i as u32 + 1, completions as u32))
        );
    }
    let o = wait.run(&[]);
    assert!(
        o.status.success(),
        "every shard left its marker: {}",
        text(&o)
    );
    // Bad input is exit 2, which the podFailurePolicy turns into a failed Job, not retries.
    assert_eq!(rule["action"], "FailJob");
    assert_eq!(rule["onExitCodes"]["values"], serde_json::json!([2]));
    let bad = work.join("bad");
    let o = shard.run(&[
        ("COYOTE_LIB", "/nonexistent/libnothing.so"),
        ("COYOTE_RUN_DIR", s(&bad)),
        ("JOB_COMPLETION_INDEX", "0"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    let o = merger.run(&[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the merge Job fails on a bug: {}",
        text(&o)
    );

    let workers: u32 = shard.env["COYOTE_WORKERS"].parse().unwrap();
    let single = work.join("single");
    single_run(
        &lib,
        &shard.env["COYOTE_SEED"],
        ITERATIONS,
        completions as u32 * workers,
        &single,
    );
    let merged = PathBuf::from(&shard.env["COYOTE_RUN_DIR"]).join("merged");
    assert_same_run(&single, &merged);
    let _ = std::fs::remove_dir_all(&work);
}

/// `docs/sharding/slurm-array.sh` with its settings for the sample, in `out`.
fn slurm_script(out: &Path, lib: &Path) -> Command {
    let mut c = Command::new("bash");
    c.arg(recipe("slurm-array.sh"))
        .env("COYOTE_BIN", target().join("coyote"))
        .env("COYOTE_LIB", lib)
        .env("COYOTE_SHARDS", "4")
        .env("COYOTE_WORKERS", "1")
        .env("COYOTE_ITERATIONS", ITERATIONS)
        .env("COYOTE_SEED", "5")
        .env("COYOTE_OUT", out);
    c
}

#[test]
fn the_slurm_array_script_shards_and_merges_as_one_run_without_slurm() {
    let script = std::fs::read_to_string(recipe("slurm-array.sh")).unwrap();
    assert_parses("bash", &script, "slurm-array.sh");
    let lib = lib("account_manager");
    let work = out_dir("recipe-slurm");
    let out = work.join("out");

    // Each array task as Slurm starts it: SLURM_ARRAY_TASK_ID from 0 of SLURM_ARRAY_TASK_COUNT.
    for id in 0..4 {
        let o = slurm_script(&out, &lib)
            .arg("shard")
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "4")
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "task {id}: {}",
            text(&o)
        );
    }
    let o = slurm_script(&out, &lib).arg("merge").output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let single = work.join("single");
    single_run(&lib, "5", ITERATIONS, 4, &single);
    assert_same_run(&single, &out.join("merged"));

    // A shard that left no folder fails the merge, named, rather than merging a smaller run.
    std::fs::remove_dir_all(out.join("shard-3")).unwrap();
    let o = slurm_script(&out, &lib).arg("merge").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("shard-3"), "{}", text(&o));

    // Submitting says what is missing before asking Slurm for anything.
    let o = slurm_script(&out, &lib)
        .env_remove("COYOTE_LIB")
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("set COYOTE_LIB"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&work);
}
