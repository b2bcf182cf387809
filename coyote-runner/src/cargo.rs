//! Finding the test library with cargo, when `coyote list`/`coyote test` get no `LIB`: build the
//! package (`--package`, else the one the working directory is in, else the workspace's only
//! cdylib package) with `cargo build --lib` and take the cdylib cargo reports for it.
//!
//! Cargo's JSON (`cargo metadata`, `--message-format=json`) is read with `cargo_metadata`.
//!
//! Invariants: which package is meant is decided from `cargo metadata --no-deps` before anything
//! is built, so an ambiguous or wrong choice costs no build and its error lists the candidates;
//! the library is the file cargo names in its `compiler-artifact` message for that package (never
//! a guess at `target/` paths, so `CARGO_TARGET_DIR`, `--release` and custom target directories
//! all work); cargo's own output (progress, compiler errors) goes to stderr unchanged, so
//! `--json` keeps stdout for the report. `$CARGO` names the cargo to run, as under `cargo run`.

use crate::suggest;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why cargo could not give us a library. Messages are one line.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// Cargo could not be run.
    #[error(
        "cannot run {cargo}: {reason} (or give the library's path: coyote test path/to/libname.so)"
    )]
    NoCargo {
        /// The cargo we tried (`$CARGO` or `cargo`).
        cargo: String,
        /// Why it could not run.
        reason: String,
    },
    #[error("no library given and no cargo package here: `cargo metadata` said: {0} (give the library's path, or run in a cargo project)")]
    /// `cargo metadata` failed: there is no project here (what cargo said).
    NoProject(String),
    #[error("no package named '{name}' in this workspace{hint}")]
    /// `--package` names no package of the workspace.
    NoSuchPackage {
        /// The name given.
        name: String,
        /// A suggestion, or the cdylib packages there are.
        hint: String,
    },
    #[error("package '{0}' builds no cdylib: add `[lib] crate-type = [\"cdylib\", \"rlib\"]` to its Cargo.toml")]
    /// The package meant builds no cdylib.
    NotACdylib(String),
    #[error("no library given and {0}: pick one with --package NAME, or give the library's path")]
    /// Several packages could be meant (which).
    Ambiguous(String),
    #[error("no library given and no package of this workspace builds a cdylib: add `[lib] crate-type = [\"cdylib\", \"rlib\"]` to the one with the tests, or give the library's path")]
    /// No package of the workspace builds a cdylib.
    NoCdylib,
    #[error("cargo build failed ({status}); its errors are above")]
    /// `cargo build` failed.
    BuildFailed {
        /// Its exit status.
        status: String,
    },
    #[error("cargo built package '{0}' but named no cdylib file for it")]
    /// Cargo built the package but named no cdylib for it.
    NoArtifact(String),
    #[error("cannot read cargo's output: {0}")]
    /// Cargo's output could not be read.
    BadOutput(String),
}

/// What choosing a package needs to know of one (from `cargo metadata`).
struct Candidate {
    id: String,
    name: String,
    /// The directory of its `Cargo.toml`.
    dir: PathBuf,
    cdylib: bool,
}

fn builds_cdylib(target: &cargo_metadata::Target) -> bool {
    target
        .crate_types
        .contains(&cargo_metadata::CrateType::CDyLib)
}

impl Candidate {
    fn of(p: &cargo_metadata::Package) -> Candidate {
        Candidate {
            id: p.id.repr.clone(),
            name: p.name.clone(),
            dir: p
                .manifest_path
                .parent()
                .map_or_else(PathBuf::new, |d| d.as_std_path().to_path_buf()),
            cdylib: p.targets.iter().any(builds_cdylib),
        }
    }
}

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Builds `package` (or, without a name, the package meant here; see the module docs), with the
/// release profile if `release`, and returns its cdylib's path (relative to the working
/// directory when it is below it, for readable output).
pub(crate) fn build_library(package: Option<&str>, release: bool) -> Result<PathBuf, CargoError> {
    let cargo = cargo();
    let packages = metadata(&cargo)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let package = choose(&packages, package, &cwd)?;
    let mut cmd = Command::new(&cargo);
    cmd.args(["build", "--lib", "--message-format=json-render-diagnostics"])
        .args(["-p", &package.name])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if release {
        cmd.arg("--release");
    }
    let mut child = cmd.spawn().map_err(|e| CargoError::NoCargo {
        cargo: cargo.clone(),
        reason: e.to_string(),
    })?;
    let found = cdylib_of(child.stdout.take().expect("stdout is piped"), &package.id);
    if found.is_err() {
        // We stopped reading: stop cargo too, and report why we stopped, not its kill.
        let _ = child.kill();
        let _ = child.wait();
    }
    let found = found?;
    let status = child
        .wait()
        .map_err(|e| CargoError::BadOutput(e.to_string()))?;
    if !status.success() {
        return Err(CargoError::BuildFailed {
            status: status.to_string(),
        });
    }
    let path = found.ok_or_else(|| CargoError::NoArtifact(package.name.clone()))?;
    Ok(match path.strip_prefix(&cwd) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => path,
    })
}

/// The cdylib file cargo's JSON messages on `stdout` name for the package `id`, reading to the
/// end (so cargo never blocks on a full pipe).
fn cdylib_of(stdout: impl std::io::Read, id: &str) -> Result<Option<PathBuf>, CargoError> {
    use cargo_metadata::Message;
    let mut found = None;
    for msg in Message::parse_stream(std::io::BufReader::new(stdout)) {
        let msg = msg.map_err(|e| CargoError::BadOutput(e.to_string()))?;
        // Other messages, and a build script's or tool's stray lines, are not ours.
        if let Message::CompilerArtifact(a) = msg {
            if a.package_id.repr == id && builds_cdylib(&a.target) {
                found = a
                    .filenames
                    .into_iter()
                    .find(|f| f.as_str().ends_with(std::env::consts::DLL_SUFFIX))
                    .map(|f| f.into_std_path_buf());
            }
        }
    }
    Ok(found)
}

/// The workspace's packages, from `cargo metadata --no-deps`.
fn metadata(cargo: &str) -> Result<Vec<Candidate>, CargoError> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .cargo_path(cargo)
        .no_deps()
        .exec()
        .map_err(|e| match e {
            cargo_metadata::Error::CargoMetadata { stderr } => {
                let said = stderr
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("it failed")
                    .trim_start_matches("error: ")
                    .to_string();
                CargoError::NoProject(said)
            }
            cargo_metadata::Error::Io(e) => CargoError::NoCargo {
                cargo: cargo.into(),
                reason: e.to_string(),
            },
            other => CargoError::BadOutput(other.to_string()),
        })?;
    Ok(metadata.packages.iter().map(Candidate::of).collect())
}

/// The package meant: the one named, else the one `cwd` is in, else the only cdylib package.
fn choose<'m>(
    packages: &'m [Candidate],
    name: Option<&str>,
    cwd: &Path,
) -> Result<&'m Candidate, CargoError> {
    let cdylibs: Vec<&Candidate> = packages.iter().filter(|p| p.cdylib).collect();
    let names = |ps: &[&Candidate]| {
        ps.iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let package = if let Some(name) = name {
        match packages.iter().find(|p| p.name == name) {
            Some(p) => p,
            None => {
                let all: Vec<String> = packages.iter().map(|p| p.name.clone()).collect();
                let hint = match suggest::closest(name, &all) {
                    Some(c) => format!("; did you mean '{c}'?"),
                    None if cdylibs.is_empty() => String::new(),
                    None => format!(" (its cdylib packages: {})", names(&cdylibs)),
                };
                return Err(CargoError::NoSuchPackage {
                    name: name.into(),
                    hint,
                });
            }
        }
    } else {
        // The deepest package whose directory holds the working directory, as cargo picks.
        let here = packages
            .iter()
            .filter(|p| cwd.starts_with(&p.dir))
            .max_by_key(|p| p.dir.components().count());
        match (here, cdylibs.as_slice()) {
            (Some(p), _) => p,
            (None, [only]) => only,
            (None, []) => return Err(CargoError::NoCdylib),
            (None, several) => {
                return Err(CargoError::Ambiguous(format!(
                    "this workspace has {} cdylib packages ({})",
                    several.len(),
                    names(several)
                )))
            }
        }
    };
    if !package.cdylib {
        return Err(CargoError::NotACdylib(package.name.clone()));
    }
    Ok(package)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, dir: &str, cdylib: bool) -> Candidate {
        Candidate {
            id: format!("path+file://{dir}#{name}@0.1.0"),
            name: name.into(),
            dir: PathBuf::from(dir),
            cdylib,
        }
    }

    fn workspace() -> Vec<Candidate> {
        vec![
            package("core", "/ws/core", false),
            package("svc-a", "/ws/svc-a", true),
            package("svc-b", "/ws/svc-b", true),
        ]
    }

    /// One `compiler-artifact` line as cargo writes it.
    fn artifact(id: &str, crate_types: &str, filenames: &str) -> String {
        format!(
            r#"{{"reason":"compiler-artifact","package_id":"{id}","manifest_path":"/t/Cargo.toml","target":{{"kind":{crate_types},"crate_types":{crate_types},"name":"x","src_path":"/t/src/lib.rs","edition":"2021","doc":true,"doctest":true,"test":true}},"profile":{{"opt_level":"0","debuginfo":2,"debug_assertions":true,"overflow_checks":true,"test":false}},"features":[],"filenames":{filenames},"executable":null,"fresh":true}}"#
        )
    }

    fn chosen(m: &[Candidate], name: Option<&str>, cwd: &str) -> Result<String, String> {
        choose(m, name, Path::new(cwd))
            .map(|p| p.name.clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_cdylib_is_the_file_cargo_names_for_the_package() {
        let out = [
            artifact("dep", r#"["cdylib"]"#, r#"["/t/libdep.so"]"#),
            "a stray line from a build script".into(),
            artifact(
                "me",
                r#"["cdylib","rlib"]"#,
                r#"["/t/libme.so","/t/libme.rlib"]"#,
            ),
            r#"{"reason":"build-finished","success":true}"#.into(),
        ]
        .join("\n");
        let found = cdylib_of(out.as_bytes(), "me").unwrap();
        assert_eq!(found, Some(PathBuf::from("/t/libme.so")));
        assert_eq!(cdylib_of(out.as_bytes(), "other").unwrap(), None);
    }

    #[test]
    fn a_named_package_wins_wherever_we_are() {
        assert_eq!(
            chosen(&workspace(), Some("svc-b"), "/ws/svc-a/src"),
            Ok("svc-b".into())
        );
    }

    #[test]
    fn without_a_name_the_package_we_are_in_is_meant() {
        assert_eq!(
            chosen(&workspace(), None, "/ws/svc-a/src"),
            Ok("svc-a".into())
        );
        assert_eq!(chosen(&workspace(), None, "/ws/svc-b"), Ok("svc-b".into()));
    }

    #[test]
    fn at_a_workspace_root_only_a_single_cdylib_package_is_meant() {
        let err = chosen(&workspace(), None, "/ws").unwrap_err();
        assert_eq!(err, "no library given and this workspace has 2 cdylib packages (svc-a, svc-b): pick one with --package NAME, or give the library's path");
        let mut one = workspace();
        one.retain(|p| p.name != "svc-b");
        assert_eq!(chosen(&one, None, "/ws"), Ok("svc-a".into()));
        one.retain(|p| p.name != "svc-a");
        let err = chosen(&one, None, "/ws").unwrap_err();
        assert!(
            err.starts_with(
                "no library given and no package of this workspace builds a cdylib: add `[lib]"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_package_without_a_cdylib_or_a_misspelt_name_is_a_clear_error() {
        let err = chosen(&workspace(), Some("core"), "/ws").unwrap_err();
        assert!(
            err.starts_with("package 'core' builds no cdylib: add `[lib] crate-type"),
            "{err}"
        );
        let err = chosen(&workspace(), None, "/ws/core").unwrap_err();
        assert!(err.starts_with("package 'core' builds no cdylib"), "{err}");
        let err = chosen(&workspace(), Some("svc-c"), "/ws").unwrap_err();
        assert_eq!(
            err,
            "no package named 'svc-c' in this workspace; did you mean 'svc-a'?"
        );
        let err = chosen(&workspace(), Some("zzzzzzzzzz"), "/ws").unwrap_err();
        assert_eq!(
            err,
            "no package named 'zzzzzzzzzz' in this workspace (its cdylib packages: svc-a, svc-b)"
        );
    }
}
