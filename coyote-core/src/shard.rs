//! Shards: one run split over several processes or machines (`coyote test --shard K/N`), and
//! what a shard records so `coyote merge` can put the run back together.
//!
//! A run with `-j J` split into `N` shards is the run with `J * N` workers: shard `K` (1-based)
//! runs workers `(K-1)*J .. K*J` of it, with their seeds, iteration shares and portfolio
//! positions. An exhaustive strategy runs one worker per shard and explores the `K`-th of `N`
//! disjoint parts of its space ([`Split`]).
//!
//! Invariants: a [`Shard`] always has `index < count` and `count >= 1` (the parsers reject
//! anything else); on the command line and in folder names shards are numbered from 1, as
//! `cargo nextest --partition` and Playwright's `--shard` number them; inside, `index` is
//! 0-based.

use serde::{Deserialize, Serialize};

/// Shard `index` (0-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based: shard `K` of the command line is index `K - 1`.
    pub index: u32,
    /// How many shards the run has (at least 1).
    pub count: u32,
}

/// A `--shard` value or environment that names no valid shard. Every message is one line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    /// Not `K/N`.
    #[error("'{0}' is not K/N (shard K of N, numbered from 1, as in 2/4) or auto")]
    Syntax(String),
    /// `N` is 0.
    #[error("a run has at least one shard (got {0})")]
    NoShards(String),
    /// `K` is 0 or above `N`.
    #[error("shard {number} of {count} does not exist: shards are numbered 1 to {count}")]
    OutOfRange {
        /// The shard number given (1-based).
        number: u64,
        /// The count given.
        count: u32,
    },
    /// An environment variable holds something that is not a number in range.
    #[error("{var}={value} is not a valid shard {what}")]
    BadVar {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// `index` or `count`.
        what: &'static str,
    },
    /// A Kubernetes Indexed Job gives the index but not the count.
    #[error("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the shard count: pass --shard-count N or set COYOTE_SHARD_COUNT to the Job's completions")]
    NoCount,
    /// `--shard auto` with nothing in the environment.
    #[error("--shard auto found no shard in the environment: set COYOTE_SHARD_INDEX (from 1) and COYOTE_SHARD_COUNT, or run in a Slurm job array (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)")]
    NotFound,
}

impl Shard {
    /// The only shard of an unsharded run.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `number` (1-based) of `count`, checked.
    pub fn new(number: u64, count: u64) -> Result<Shard, ShardError> {
        let count32 =
            u32::try_from(count).map_err(|_| ShardError::Syntax(format!("{number}/{count}")))?;
        if count32 == 0 {
            return Err(ShardError::NoShards(format!("{number}/{count}")));
        }
        if number == 0 || number > count {
            return Err(ShardError::OutOfRange {
                number,
                count: count32,
            });
        }
        Ok(Shard {
            index: number as u32 - 1,
            count: count32,
        })
    }

    /// Parses `K/N` (1-based `K`).
    pub fn parse(s: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (k, n) = s.trim().split_once('/').ok_or_else(syntax)?;
        let k: u64 = k.trim().parse().map_err(|_| syntax())?;
        let n: u64 = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n)
    }

    /// The shard the environment names, for `--shard auto`; `count` is `--shard-count`. In
    /// order: `COYOTE_SHARD_INDEX` (1-based) with `COYOTE_SHARD_COUNT` (a CI matrix); a Slurm
    /// job array (`SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN`, divided by
    /// `SLURM_ARRAY_TASK_STEP`, of `SLURM_ARRAY_TASK_COUNT`); a Kubernetes Indexed Job
    /// (`JOB_COMPLETION_INDEX`, 0-based, of `--shard-count` or `COYOTE_SHARD_COUNT`).
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        count: Option<u32>,
    ) -> Result<Shard, ShardError> {
        let num = |name: &'static str, what: &'static str| -> Result<Option<u64>, ShardError> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| ShardError::BadVar {
                    var: name,
                    value: v,
                    what,
                }),
            }
        };
        let env_count = num("COYOTE_SHARD_COUNT", "count")?;
        let count = count.map(u64::from).or(env_count);
        if let Some(k) = num("COYOTE_SHARD_INDEX", "index")? {
            return Shard::new(
                k,
                count.ok_or(ShardError::BadVar {
                    var: "COYOTE_SHARD_COUNT",
                    value: "(unset)".into(),
                    what: "count",
                })?,
            );
        }
        if let Some(id) = num("SLURM_ARRAY_TASK_ID", "index")? {
            let min = num("SLURM_ARRAY_TASK_MIN", "index")?.unwrap_or(0);
            let step = num("SLURM_ARRAY_TASK_STEP", "index")?.unwrap_or(1).max(1);
            let n = match num("SLURM_ARRAY_TASK_COUNT", "count")? {
                Some(n) => n,
                None => count.ok_or(ShardError::BadVar {
                    var: "SLURM_ARRAY_TASK_COUNT",
                    value: "(unset)".into(),
                    what: "count",
                })?,
            };
            let index = id.checked_sub(min).ok_or(ShardError::BadVar {
                var: "SLURM_ARRAY_TASK_ID",
                value: id.to_string(),
                what: "index",
            })? / step;
            return Shard::new(index + 1, n);
        }
        if let Some(i) = num("JOB_COMPLETION_INDEX", "index")? {
            return Shard::new(i + 1, count.ok_or(ShardError::NoCount)?);
        }
        Err(ShardError::NotFound)
    }

    /// The shard's number as the command line says it (1-based).
    pub fn number(self) -> u32 {
        self.index + 1
    }

    /// Its folder name under the default output directory: `shard-K-of-N`.
    pub fn dir_name(self) -> String {
        format!("shard-{}-of-{}", self.number(), self.count)
    }

    /// The workers of the whole run this shard runs, when each shard runs `per_shard`: a range
    /// of global worker indices.
    pub fn workers(self, per_shard: u32) -> std::ops::Range<u32> {
        self.index * per_shard..(self.index + 1) * per_shard
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.number(), self.count)
    }
}

/// The part of an exhaustive strategy's space one worker explores: part `index` (0-based) of
/// `count` disjoint parts whose union is the whole space (see `Dfs::split` and
/// `IterativeDelayBounding::split` in [`crate::strategy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// 0-based.
    pub index: u32,
    /// At least 1.
    pub count: u32,
}

impl From<Shard> for Split {
    fn from(s: Shard) -> Split {
        Split {
            index: s.index,
            count: s.count,
        }
    }
}

/// What a shard's `report.json` records about the run it is part of (`Report::shard`), so
/// `coyote merge` can check that its shards belong together and rebuild the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRun {
    /// The shard's number (1-based, as `--shard K/N` says it).
    pub number: u32,
    /// How many shards the run has.
    pub count: u32,
    /// Workers of each shard (`-j`); the run has `count * workers_per_shard`.
    pub workers_per_shard: u32,
    /// The run's iterations per test, over all shards.
    pub iterations: u64,
    /// The strategy, as `--strategy` spells it.
    pub strategy: String,
    /// `--explore`.
    pub explore: bool,
    /// The tests the run selected, in order.
    pub tests: Vec<String>,
    /// `--max-steps`.
    pub max_steps: u32,
    /// `--max-fair-steps`.
    pub max_fair_steps: u32,
}

impl ShardRun {
    /// The shard it describes.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.number.saturating_sub(1),
            count: self.count,
        }
    }
}

/// What a shard's report keeps per test beyond the summary, for the merge
/// (`TestReport::shard`): the test's coverage counts (the summary alone cannot be summed) and
/// the coverage items and distinct schedules it found, each with the shard's iteration count
/// when it was found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ShardTest {
    /// The test's coverage, when the run counted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<crate::coverage::Coverage>,
    /// Coverage items ([`crate::saturation::item_key`]) by the shard's iteration (1-based) that
    /// first found them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<(u64, String)>,
    /// Distinct schedules ([`crate::saturation::schedule_hash`]), each as the shard's
    /// iteration that first ran it and its hash, sorted by iteration: the merge counts a
    /// schedule two shards both ran once. In JSON one string, `at:hash` pairs (the hash in
    /// hex) separated by spaces, about 20 bytes per schedule.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "packed")]
    pub schedules: Vec<(u64, u64)>,
}

/// [`ShardTest::schedules`] as one string: `at:hash at:hash ...`, the hash in hex.
mod packed {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};
    use std::fmt::Write as _;

    pub(super) fn serialize<S: Serializer>(v: &[(u64, u64)], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(v.len() * 20);
        for (i, (at, hash)) in v.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let _ = write!(out, "{sep}{at}:{hash:x}");
        }
        s.serialize_str(&out)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(u64, u64)>, D::Error> {
        let text = String::deserialize(d)?;
        text.split_ascii_whitespace()
            .map(|pair| {
                let (at, hash) = pair.split_once(':')?;
                Some((at.parse().ok()?, u64::from_str_radix(hash, 16).ok()?))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| D::Error::custom("a shard's schedules are not `at:hash` pairs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn k_of_n_is_one_based_and_checked() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 0, count: 4 });
        assert_eq!(Shard::parse("4/4").unwrap().dir_name(), "shard-4-of-4");
        assert_eq!(Shard::parse("2/3").unwrap().to_string(), "2/3");
        assert_eq!(
            Shard::parse("5/4").unwrap_err().to_string(),
            "shard 5 of 4 does not exist: shards are numbered 1 to 4"
        );
        assert!(matches!(
            Shard::parse("0/4"),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(Shard::parse("1/0"), Err(ShardError::NoShards(_))));
        assert!(matches!(Shard::parse("x"), Err(ShardError::Syntax(_))));
        assert!(matches!(Shard::parse("-1/2"), Err(ShardError::Syntax(_))));
        assert_eq!(Shard::parse("2/4").unwrap().workers(3), 3..6);
    }

    #[test]
    fn auto_reads_each_engine() {
        let ci = env(&[("COYOTE_SHARD_INDEX", "2"), ("COYOTE_SHARD_COUNT", "4")]);
        assert_eq!(
            Shard::from_env(ci, None).unwrap(),
            Shard { index: 1, count: 4 }
        );
        // A Slurm array --array=1-4: ids 1..=4, min 1.
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_env(slurm, None).unwrap(),
            Shard { index: 2, count: 4 }
        );
        let slurm0 = env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ]);
        assert_eq!(
            Shard::from_env(slurm0, None).unwrap(),
            Shard { index: 0, count: 2 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "3")]);
        assert_eq!(
            Shard::from_env(&k8s, Some(4)).unwrap(),
            Shard { index: 3, count: 4 }
        );
        assert_eq!(
            Shard::from_env(&k8s, None).unwrap_err(),
            ShardError::NoCount
        );
        let k8s_env = env(&[("JOB_COMPLETION_INDEX", "0"), ("COYOTE_SHARD_COUNT", "2")]);
        assert_eq!(
            Shard::from_env(k8s_env, None).unwrap(),
            Shard { index: 0, count: 2 }
        );
        let over = env(&[("JOB_COMPLETION_INDEX", "4")]);
        assert!(matches!(
            Shard::from_env(over, Some(4)),
            Err(ShardError::OutOfRange { .. })
        ));
        assert_eq!(
            Shard::from_env(env(&[]), None).unwrap_err(),
            ShardError::NotFound
        );
        let bad = env(&[("COYOTE_SHARD_INDEX", "two"), ("COYOTE_SHARD_COUNT", "4")]);
        assert_eq!(
            Shard::from_env(bad, None).unwrap_err().to_string(),
            "COYOTE_SHARD_INDEX=two is not a valid shard index"
        );
    }
}
