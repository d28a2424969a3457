//! Experiment files: which algorithms, workloads, seeds and horizons, and what each phase runs.
//! Unknown keys are rejected with their line; see `experiments/README.md` for every key.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_yaml::Value as Yaml;

use crate::error::{Result, SearchError};
use crate::sobol::{MAX_DIMENSIONS, MAX_POINTS};
use crate::space::SearchSpace;
use crate::value::{Point, Value};

/// Largest number of trials one experiment may plan.
pub const MAX_TRIALS: usize = 1_000_000;

/// Quasi-random sequence used for phase 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    /// Seeded scrambled Sobol.
    Sobol,
    /// AlgoPerf's Halton sequence (`algoperf/halton.py`): the same points AlgoPerf draws for
    /// the same space and count, in the sequence's order; it has no seed.
    Halton,
}

/// The time axis of time-to-target and the benchmark score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TimeAxis {
    /// Accumulated training wall time, as AlgoPerf scores (the default).
    #[default]
    Seconds,
    /// Optimizer steps (deterministic; ignores per-step cost differences).
    Steps,
}

/// One algorithm of the experiment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlgorithmSpec {
    /// Phase-1 preset: `literature`, or a path to a preset YAML file.
    #[serde(default = "literature")]
    pub preset: String,
    /// Hyperparameters replacing those of the preset in every phase.
    #[serde(default, deserialize_with = "unique_map")]
    pub overrides: IndexMap<String, Value>,
    /// Phase-2 search space of this algorithm (added to the shared `search_space`).
    #[serde(default)]
    pub search_space: Yaml,
}

/// A mapping whose keys must all differ (serde_yaml would keep the last of two equal keys).
fn unique_map<'de, D, V>(deserializer: D) -> std::result::Result<IndexMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Visitor<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
        type Value = IndexMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping with distinct keys")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = IndexMap::new();
            while let Some((key, value)) = map.next_entry::<String, V>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
                }
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Visitor(std::marker::PhantomData))
}

fn literature() -> String {
    "literature".to_string()
}

/// Phase 1: every algorithm at its preset on every workload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase1 {
    /// Run it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Seeds of phase 1 (default: the experiment's `seeds`).
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
}

/// Phase 2: quasi-random search over the search space, per horizon.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase2 {
    /// Run it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Sequence used to draw points.
    #[serde(default = "sobol")]
    pub sampler: Sampler,
    /// Points per algorithm and horizon (the paper: 200).
    #[serde(default = "two_hundred")]
    pub points: usize,
    /// Seed of the sequence (Sobol only).
    #[serde(default)]
    pub seed: u32,
    /// Training horizons as fractions of each workload's step budget (the paper: 0.33, 0.5,
    /// 0.66).
    #[serde(default = "paper_horizons")]
    pub horizons: Vec<f64>,
}

/// Phase 3: the `top_k` best searched configurations of each algorithm (by the selection
/// rule), retrained with `seeds` on every workload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase3 {
    /// Run it (needs phase 2).
    #[serde(default)]
    pub enabled: bool,
    /// Configurations per algorithm to retrain.
    #[serde(default = "three")]
    pub top_k: usize,
    /// Seeds of the retrain.
    #[serde(default = "five_seeds")]
    pub seeds: Vec<u64>,
}

fn yes() -> bool {
    true
}
fn sobol() -> Sampler {
    Sampler::Sobol
}
fn two_hundred() -> usize {
    200
}
fn three() -> usize {
    3
}
fn five_seeds() -> Vec<u64> {
    (0..5).collect()
}
fn paper_horizons() -> Vec<f64> {
    vec![0.33, 0.5, 0.66]
}
fn seed_zero() -> Vec<u64> {
    vec![0]
}

impl Default for Phase1 {
    fn default() -> Self {
        Self {
            enabled: true,
            seeds: None,
        }
    }
}

impl Default for Phase3 {
    fn default() -> Self {
        Self {
            enabled: false,
            top_k: 3,
            seeds: five_seeds(),
        }
    }
}

impl Default for Phase2 {
    fn default() -> Self {
        Self {
            enabled: true,
            sampler: Sampler::Sobol,
            points: 200,
            seed: 0,
            horizons: paper_horizons(),
        }
    }
}

/// Scoring settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreSpec {
    /// Time axis of time-to-target.
    #[serde(default)]
    pub time_axis: TimeAxis,
}

/// A parsed experiment file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Results go to `results/<name>/`.
    pub name: String,
    /// Free text shown by `--dry-run`.
    #[serde(default)]
    pub description: String,
    /// Workload names.
    pub workloads: Vec<String>,
    /// Seeds of phases 1 and 2 (one AlgoPerf "study" each); `phase1.seeds` and
    /// `phase3.seeds` replace them for those phases.
    #[serde(default = "seed_zero")]
    pub seeds: Vec<u64>,
    /// Algorithms in table order.
    #[serde(deserialize_with = "unique_map")]
    pub algorithms: IndexMap<String, AlgorithmSpec>,
    /// Search space shared by every algorithm in phase 2.
    #[serde(default)]
    pub search_space: Yaml,
    /// Phase 1 settings.
    #[serde(default)]
    pub phase1: Phase1,
    /// Phase 2 settings.
    #[serde(default)]
    pub phase2: Phase2,
    /// Phase 3 settings.
    #[serde(default)]
    pub phase3: Phase3,
    /// Stop each trial at the first evaluation that beats the target, as AlgoPerf does
    /// (`false` trains to the end of the horizon, e.g. to set targets).
    #[serde(default = "yes")]
    pub stop_at_target: bool,
    /// Parallel trial processes (default: number of CPU cores).
    #[serde(default)]
    pub workers: Option<usize>,
    /// Scoring settings.
    #[serde(default)]
    pub score: ScoreSpec,
    /// The file it was read from (set by [`Experiment::load`]).
    #[serde(skip)]
    pub origin: String,
}

impl Experiment {
    /// Reads and checks an experiment file.
    pub fn load(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| SearchError::new(&origin, format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            SearchError::new(&origin, format!("line {line}: not UTF-8 text"))
        })?;
        Self::from_yaml_str(&text, &origin)
    }

    /// Parses and checks experiment YAML; errors name `origin` and the key or line.
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut exp: Experiment =
            serde_yaml::from_str(text).map_err(|e| SearchError::new(origin, e.to_string()))?;
        exp.origin = origin.to_string();
        exp.check()?;
        Ok(exp)
    }

    fn fail(&self, message: String) -> SearchError {
        SearchError::new(&self.origin, message)
    }

    fn check(&self) -> Result<()> {
        let valid_name = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_alphanumeric())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !valid_name(&self.name) {
            return Err(self.fail(format!(
                "name: `{}` must start with a letter or digit and hold only letters, digits, \
                 '-', '_' or '.' (it names the results folder)",
                self.name
            )));
        }
        if !self.phase1.enabled && !self.phase2.enabled {
            return Err(self.fail("phase1 and phase2 are both disabled: nothing to run".into()));
        }
        fn first_repeat<T: PartialEq>(items: &[T]) -> Option<&T> {
            items
                .iter()
                .enumerate()
                .find(|(i, x)| items[..*i].contains(x))
                .map(|(_, x)| x)
        }
        if let Some(w) = first_repeat(&self.workloads) {
            return Err(self.fail(format!("workloads: `{w}` is listed twice")));
        }
        for (key, seeds) in [
            ("seeds", Some(&self.seeds)),
            ("phase1.seeds", self.phase1.seeds.as_ref()),
            ("phase3.seeds", Some(&self.phase3.seeds)),
        ] {
            let Some(seeds) = seeds else { continue };
            if let Some(s) = first_repeat(seeds) {
                return Err(self.fail(format!("{key}: {s} is listed twice")));
            }
            if seeds.is_empty() {
                return Err(self.fail(format!("{key}: expected at least one seed")));
            }
        }
        let p3 = &self.phase3;
        if p3.enabled && !self.phase2.enabled {
            return Err(self.fail(
                "phase3.enabled: phase 3 retrains the best configurations of phase 2, \
                 which is disabled"
                    .into(),
            ));
        }
        if p3.enabled && p3.top_k == 0 {
            return Err(self.fail("phase3.top_k: expected at least 1".into()));
        }
        if let Some(h) = first_repeat(&self.phase2.horizons) {
            return Err(self.fail(format!("phase2.horizons: {h} is listed twice")));
        }
        if self.workloads.is_empty() {
            return Err(self.fail("workloads: expected at least one workload".into()));
        }
        if self.algorithms.is_empty() {
            return Err(self.fail("algorithms: expected at least one algorithm".into()));
        }
        if self.workers == Some(0) {
            return Err(self.fail("workers: expected at least 1".into()));
        }
        let p2 = &self.phase2;
        if p2.enabled && (p2.points == 0 || p2.points > MAX_POINTS) {
            return Err(self.fail(format!(
                "phase2.points: {} is not in 1..={MAX_POINTS}",
                p2.points
            )));
        }
        if p2.horizons.is_empty() {
            return Err(self.fail("phase2.horizons: expected at least one horizon".into()));
        }
        for h in &p2.horizons {
            if !(*h > 0.0 && *h <= 1.0) {
                return Err(self.fail(format!(
                    "phase2.horizons: {h} is not a fraction of the step budget in (0, 1]"
                )));
            }
        }
        let phase1 = if self.phase1.enabled {
            self.phase1_seeds().len()
        } else {
            0
        };
        let phase2 = if p2.enabled {
            (p2.points.saturating_mul(p2.horizons.len())).saturating_mul(self.seeds.len())
        } else {
            0
        };
        let phase3 = if p3.enabled {
            p3.top_k
                .min(p2.points.saturating_mul(p2.horizons.len()))
                .saturating_mul(p3.seeds.len())
        } else {
            0
        };
        let trials = (self.algorithms.len() * self.workloads.len())
            .saturating_mul(phase1.saturating_add(phase2).saturating_add(phase3));
        if trials > MAX_TRIALS {
            return Err(self.fail(format!(
                "the plan has {trials} trials, more than the {MAX_TRIALS} an experiment may hold"
            )));
        }
        for name in self.algorithms.keys() {
            let space = self.search_space(name)?;
            if space.random_dims() > MAX_DIMENSIONS {
                return Err(self.fail(format!(
                    "algorithms.{name}.search_space: {} dimensions > {MAX_DIMENSIONS}",
                    space.random_dims()
                )));
            }
        }
        Ok(())
    }

    /// Seeds of phase 1: `phase1.seeds`, else `seeds`.
    pub fn phase1_seeds(&self) -> &[u64] {
        self.phase1.seeds.as_deref().unwrap_or(&self.seeds)
    }

    /// Number of phase-3 trials: algorithms × workloads × min(top_k, configurations) × seeds
    /// (0 when phase 3 is disabled). Known before phase 2 has run.
    pub fn phase3_trials(&self) -> usize {
        if !self.phase3.enabled {
            return 0;
        }
        let configs = self.phase2.points * self.phase2.horizons.len();
        self.algorithms.len()
            * self.workloads.len()
            * self.phase3.top_k.min(configs)
            * self.phase3.seeds.len()
    }

    /// The phase-2 search space of `algorithm`: the shared space plus its own.
    pub fn search_space(&self, algorithm: &str) -> Result<SearchSpace> {
        let shared = SearchSpace::from_yaml(&self.search_space, &self.origin, "search_space")?;
        let own = match self.algorithms.get(algorithm) {
            Some(spec) => SearchSpace::from_yaml(
                &spec.search_space,
                &self.origin,
                &format!("algorithms.{algorithm}.search_space"),
            )?,
            None => SearchSpace::default(),
        };
        Ok(shared.merged(&own))
    }

    /// The overrides of `algorithm` as a point.
    pub fn overrides(&self, algorithm: &str) -> Point {
        self.algorithms
            .get(algorithm)
            .map(|s| {
                s.overrides
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}
