//! A small GitHub Actions runner, enough to run `docs/sharding/github-actions.yml` here.
//!
//! As GitHub runs a workflow: jobs in `needs` order, one per matrix value, each in a fresh
//! workspace at the same path (hosted runners check out into the same folder); a job whose needs
//! failed is skipped unless its `if` says `always()` or `!cancelled()`; `env` of the workflow,
//! the job and the step; `run` steps in `bash --noprofile --norc -eo pipefail`; after a failed
//! step only steps whose `if` is `always()` run; `actions/upload-artifact` (one path, a unique
//! name, `if-no-files-found`) and `actions/download-artifact` (by name, or by pattern into one
//! folder per artifact; files come back without their executable bit); `${{ matrix.KEY }}` and
//! `${{ strategy.job-total }}`.
//!
//! Not as GitHub: `cargo build --release -p P...` steps copy what `make build` already built
//! (target/debug) to where the release build puts it; checkout and toolchain actions do nothing
//! (the workspace is not a checkout). Any other expression, action or condition fails the test,
//! naming it, so the workflow cannot use something this runner only pretends to run.

use crate::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// What one job did.
#[derive(Debug, Default)]
pub(crate) struct JobRun {
    /// The steps that ran, by name (or their action or first line).
    pub ran: Vec<String>,
    /// The step that failed, if one did.
    pub failed: Option<String>,
    /// Every step's output, for failure messages.
    pub log: String,
}

/// Empties `dir`.
pub(crate) fn fresh(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
}

/// Copies the files under `from` into `to` (created).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Clears the executable bits under `dir`, as an artifact's download does.
fn without_exec_bits(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            without_exec_bits(&p);
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other}"),
    }
}

fn env_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), scalar(v))).collect())
        .unwrap_or_default()
}

/// The workflow's top-level `env`.
pub(crate) fn workflow_env(wf: &Value) -> BTreeMap<String, String> {
    env_of(&wf["env"])
}

/// One job of the matrix: its matrix values and the matrix size.
struct Context {
    matrix: BTreeMap<String, String>,
    total: usize,
}

impl Context {
    /// `s` with its `${{ ... }}` expressions replaced.
    fn expand(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("a closed expression") + start;
            let expr = rest[start + 3..end].trim();
            let value = match expr.strip_prefix("matrix.") {
                Some(key) => self.matrix.get(key).cloned(),
                None if expr == "strategy.job-total" => Some(self.total.to_string()),
                None => None,
            };
            out.push_str(&value.unwrap_or_else(|| panic!("unsupported expression: {expr}")));
            rest = &rest[end + 2..];
        }
        out + rest
    }
}

/// Whether a step with this `if` runs, after a failed step or not.
fn step_runs(cond: &Value, failed: bool) -> bool {
    match cond.as_str().map(str::trim) {
        None => !failed,
        Some("always()" | "${{ always() }}") => true,
        Some(other) => panic!("unsupported step condition: {other}"),
    }
}

/// Runs the workflow's jobs in `work` (`work/workspace`, `work/artifacts/NAME`), with
/// `overrides` on top of every step's env. Returns each job run by name (`shard (1)` for a
/// matrix value).
pub(crate) fn run_workflow(
    wf: &Value,
    work: &Path,
    overrides: &[(&str, &str)],
) -> BTreeMap<String, JobRun> {
    let jobs = wf["jobs"].as_object().expect("jobs");
    let store = work.join("artifacts");
    fresh(&store);
    let mut done: BTreeMap<String, bool> = BTreeMap::new(); // job -> succeeded
    let mut runs = BTreeMap::new();
    while done.len() < jobs.len() {
        let (name, job) = jobs
            .iter()
            .find(|(name, job)| {
                !done.contains_key(*name) && needs(job).iter().all(|n| done.contains_key(n))
            })
            .expect("a job whose needs ran (no cycle, no unknown job)");
        let needs_ok = needs(job).iter().all(|n| done[n]);
        let cond = job["if"].as_str().unwrap_or("");
        if !needs_ok && !cond.contains("always()") && !cond.contains("!cancelled()") {
            done.insert(name.clone(), false);
            continue;
        }
        let mut ok = true;
        for (label, ctx) in matrix(name, job) {
            let run = run_job(wf, job, &ctx, &work.join("workspace"), &store, overrides);
            ok &= run.failed.is_none();
            runs.insert(label, run);
        }
        done.insert(name.clone(), ok);
    }
    runs
}

fn needs(job: &Value) -> Vec<String> {
    match &job["needs"] {
        Value::Null => vec![],
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(scalar).collect(),
        other => panic!("needs: {other}"),
    }
}

/// The job's runs: one per value of its (one-key) matrix, or one.
fn matrix(name: &str, job: &Value) -> Vec<(String, Context)> {
    let Some(m) = job["strategy"]["matrix"].as_object() else {
        let ctx = Context {
            matrix: BTreeMap::new(),
            total: 1,
        };
        return vec![(name.to_string(), ctx)];
    };
    assert_eq!(m.len(), 1, "a one-key matrix");
    let (key, values) = m.iter().next().unwrap();
    let values = values.as_array().expect("matrix values");
    values
        .iter()
        .map(|v| {
            let ctx = Context {
                matrix: BTreeMap::from([(key.clone(), scalar(v))]),
                total: values.len(),
            };
            (format!("{name} ({})", scalar(v)), ctx)
        })
        .collect()
}

fn run_job(
    wf: &Value,
    job: &Value,
    ctx: &Context,
    ws: &Path,
    store: &Path,
    overrides: &[(&str, &str)],
) -> JobRun {
    fresh(ws);
    let mut env = workflow_env(wf);
    env.extend(env_of(&job["env"]));
    let mut run = JobRun::default();
    for step in job["steps"].as_array().expect("steps") {
        if !step_runs(&step["if"], run.failed.is_some()) {
            continue;
        }
        let mut step_env = env.clone();
        step_env.extend(
            env_of(&step["env"])
                .into_iter()
                .map(|(k, v)| (k, ctx.expand(&v))),
        );
        step_env.extend(
            overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let with: BTreeMap<String, String> = env_of(&step["with"])
            .into_iter()
            .map(|(k, v)| (k, ctx.expand(&v)))
            .collect();
        let (label, result) = if let Some(script) = step["run"].as_str() {
            let label = step["name"]
                .as_str()
                .unwrap_or(script.lines().next().unwrap());
            (
                label.to_string(),
                run_step(&ctx.expand(script), &step_env, ws),
            )
        } else {
            let uses = step["uses"].as_str().expect("run or uses");
            let label = step["name"].as_str().unwrap_or(uses).to_string();
            (label, action(uses, &with, ws, store))
        };
        run.ran.push(label.clone());
        match result {
            Ok(log) => run.log += &log,
            Err(log) => {
                run.log += &log;
                run.failed.get_or_insert(label);
            }
        }
    }
    run
}

/// A `run` step; `cargo build --release -p ...` is done by copying target/debug's build.
fn run_step(script: &str, env: &BTreeMap<String, String>, ws: &Path) -> Result<String, String> {
    if let Some(args) = script.trim().strip_prefix("cargo build --release") {
        let release = ws.join("target/release");
        std::fs::create_dir_all(&release).unwrap();
        let mut words = args.split_whitespace();
        while let Some(w) = words.next() {
            if w == "-p" {
                let p = words.next().unwrap();
                let file = match p {
                    "coyote-cli" => "coyote".to_string(),
                    lib => format!("lib{}.so", lib.replace('-', "_")),
                };
                let built = target().join(&file);
                built
                    .exists()
                    .then_some(())
                    .ok_or(format!("{file} is not built"))?;
                std::fs::copy(built, release.join(&file)).unwrap();
            }
        }
        return Ok(String::new());
    }
    assert!(
        !script.contains("cargo "),
        "cargo is emulated only as the whole step: {script}"
    );
    let o = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(ws)
        .env("GITHUB_WORKSPACE", ws)
        .envs(env)
        .output()
        .unwrap();
    let log = format!("$ {script}\n{}", text(&o));
    if o.status.success() {
        Ok(log)
    } else {
        Err(format!("{log}(exit {:?})\n", o.status.code()))
    }
}

/// An action step.
fn action(
    uses: &str,
    with: &BTreeMap<String, String>,
    ws: &Path,
    store: &Path,
) -> Result<String, String> {
    let (action, _version) = uses.split_once('@').expect("a pinned action");
    match action {
        "actions/checkout" | "dtolnay/rust-toolchain" => Ok(String::new()),
        "actions/upload-artifact" => {
            let name = &with["name"];
            let from = ws.join(&with["path"]);
            let dest = store.join(name);
            if dest.exists() {
                return Err(format!("an artifact named {name} already exists\n"));
            }
            if !from.exists() {
                return match with.get("if-no-files-found").map(String::as_str) {
                    Some("error") => Err(format!("no files at {}\n", with["path"])),
                    _ => Ok(String::new()),
                };
            }
            assert!(from.is_dir(), "one folder per artifact here");
            copy_dir(&from, &dest);
            Ok(String::new())
        }
        "actions/download-artifact" => {
            let into = ws.join(with.get("path").map(String::as_str).unwrap_or("."));
            if let Some(name) = with.get("name") {
                let from = store.join(name);
                if !from.is_dir() {
                    return Err(format!("no artifact named {name}\n"));
                }
                copy_dir(&from, &into);
            } else {
                let pattern = &with["pattern"];
                let prefix = pattern.strip_suffix('*').expect("a PREFIX* pattern");
                for e in std::fs::read_dir(store).unwrap() {
                    let name = e.unwrap().file_name().into_string().unwrap();
                    if name.starts_with(prefix) {
                        copy_dir(&store.join(&name), &into.join(&name));
                    }
                }
            }
            // A pattern that matches nothing downloads nothing, and is no error.
            if into.exists() {
                without_exec_bits(&into);
            }
            Ok(String::new())
        }
        other => panic!("unsupported action: {other}"),
    }
}
