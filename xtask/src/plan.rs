//! From an experiment file to jobs: names checked against the registries, presets resolved,
//! hyperparameters validated, so mistakes surface before anything runs.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Result};
use lrf_optim::{HValue, Hyperparams, Preset, TrainingSetting};
use lrf_search::{Experiment, PlannedTrial, Point, SearchSpace, Value};

use crate::job::Job;
use crate::paths::experiment_dir;

/// Checks that every algorithm and workload of `exp` exists.
pub fn check_names(exp: &Experiment) -> Result<()> {
    for name in exp.algorithms.keys() {
        lrf_optim::algorithm(name)
            .map_err(|e| anyhow!("{}: algorithms.{name}: {e}", exp.origin))?;
    }
    for name in &exp.workloads {
        lrf_workloads::workload(name).map_err(|e| anyhow!("{}: workloads: {e}", exp.origin))?;
    }
    Ok(())
}

/// Checks that every workload of `exp` has a target to score against (a new workload has none
/// until `cargo xtask targets` sets it).
pub fn check_targets_set(exp: &Experiment) -> Result<()> {
    for name in &exp.workloads {
        let workload = lrf_workloads::workload(name)?;
        if workload.info().target.is_nan() {
            bail!(
                "{}: workloads: `{name}` has no target yet in {}: run `cargo xtask targets \
                 --workload {name}` and copy the entry it prints there",
                exp.origin,
                lrf_workloads::targets::TARGETS_FILE
            );
        }
    }
    Ok(())
}

/// `preset: target-setting`: for each workload, the configuration that set its target
/// (`experiments/workload-targets.yaml`, `tuned`), on top of the literature preset.
pub const TARGET_SETTING: &str = "target-setting";

/// The hyperparameters `preset: target-setting` adds for `workload` (none for other presets).
pub fn target_setting_point(exp: &Experiment, algorithm: &str, workload: &str) -> Result<Point> {
    if exp.algorithms[algorithm].preset != TARGET_SETTING {
        return Ok(Point::new());
    }
    let file = lrf_workloads::targets::target_file();
    let at = || {
        format!(
            "{}: algorithms.{algorithm}.preset: {TARGET_SETTING}",
            exp.origin
        )
    };
    if file.procedure.algorithm != algorithm {
        bail!(
            "{}: targets are set with `{}`, not `{algorithm}`",
            at(),
            file.procedure.algorithm
        );
    }
    let record = file.workloads.get(workload).ok_or_else(|| {
        anyhow!(
            "{}: workload `{workload}` has no entry in {}",
            at(),
            lrf_workloads::targets::TARGETS_FILE
        )
    })?;
    let mut point = Point::new();
    for (key, value) in &record.tuned {
        let v = match value {
            serde_yaml::Value::Bool(b) => Value::Bool(*b),
            serde_yaml::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_yaml::Value::String(t) => Value::Text(t.clone()),
            other => bail!(
                "{}: {}: workloads.{workload}.tuned.{key} = {other:?}: expected a number,                  boolean or text",
                at(),
                lrf_workloads::targets::TARGETS_FILE
            ),
        };
        point.insert(key.clone(), v);
    }
    Ok(point)
}

/// The phase-1 preset of `algorithm`: `literature` (also under `target-setting`), or a YAML
/// file relative to the experiment, with the training setting that file gives (a
/// `calibrated.yaml` entry gives its horizon, dropout and label smoothing).
pub fn base_preset(exp: &Experiment, algorithm: &str) -> Result<(Preset, TrainingSetting)> {
    let spec = &exp.algorithms[algorithm];
    if spec.preset == "literature" || spec.preset == TARGET_SETTING {
        return Ok((Preset::literature(algorithm)?, TrainingSetting::default()));
    }
    let dir = Path::new(&exp.origin).parent().unwrap_or(Path::new("."));
    let path = dir.join(&spec.preset);
    let (preset, setting) = Preset::load_named_with_setting(&path, algorithm)
        .map_err(|e| anyhow!("{}: algorithms.{algorithm}.preset: {e}", exp.origin))?;
    if preset.algorithm != algorithm {
        bail!(
            "{}: algorithms.{algorithm}.preset: {} is a preset of `{}`",
            exp.origin,
            path.display(),
            preset.algorithm
        );
    }
    Ok((preset, setting))
}

fn to_hvalue(v: &Value) -> HValue {
    match v {
        Value::Bool(b) => HValue::Bool(*b),
        Value::Number(x) => HValue::Number(*x),
        Value::Text(s) => HValue::Text(s.clone()),
    }
}

fn number(v: &Value, exp: &Experiment, trial: &PlannedTrial, key: &str) -> Result<f64> {
    match v {
        Value::Number(x) => Ok(*x),
        other => bail!(
            "{}: {} `{key}` = {other}: expected a number",
            exp.origin,
            trial.submission()
        ),
    }
}

/// Checks a hyperparameter value the way a trial would use it (error text names the problem).
fn check_value(base: &Preset, key: &str, value: &Value) -> Result<()> {
    match key {
        "dropout" | "label_smoothing" => match value {
            Value::Number(x) if (0.0..1.0).contains(x) => Ok(()),
            other => bail!("{key} = {other}: expected a number in [0, 1)"),
        },
        _ => {
            base.with_overrides(&Hyperparams::new().with(key, to_hvalue(value)))?;
            Ok(())
        }
    }
}

/// Checks every override and both ends of every search-space dimension of every algorithm
/// before anything runs, so an out-of-range space fails at its key, not at some sampled point.
pub fn check_hyperparameters(exp: &Experiment) -> Result<()> {
    let shared = SearchSpace::from_yaml(&exp.search_space, &exp.origin, "search_space")?;
    for (algorithm, spec) in &exp.algorithms {
        let (base, _) = base_preset(exp, algorithm)?;
        for workload in &exp.workloads {
            for (key, value) in &target_setting_point(exp, algorithm, workload)? {
                check_value(&base, key, value).map_err(|e| {
                    anyhow!(
                        "{}: workloads.{workload}.tuned.{key}: {e}",
                        lrf_workloads::targets::TARGETS_FILE
                    )
                })?;
            }
        }
        for (key, value) in &spec.overrides {
            check_value(&base, key, value).map_err(|e| {
                anyhow!(
                    "{}: algorithms.{algorithm}.overrides.{key}: {e}",
                    exp.origin
                )
            })?;
        }
        if !exp.phase2.enabled {
            continue;
        }
        let own_path = format!("algorithms.{algorithm}.search_space");
        let own = SearchSpace::from_yaml(&spec.search_space, &exp.origin, &own_path)?;
        for (space, path) in [(&shared, "search_space".to_string()), (&own, own_path)] {
            for (key, dim) in &space.dims {
                for value in dim.extremes() {
                    check_value(&base, key, &value).map_err(|e| {
                        anyhow!(
                            "{}: {path}.{key}: {e} (for algorithm `{algorithm}`)",
                            exp.origin
                        )
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// Resolves planned trials into jobs, each algorithm's base preset (a file, perhaps) read once.
pub fn jobs(exp: &Experiment, trials: &[PlannedTrial], stop_at_target: bool) -> Result<Vec<Job>> {
    let mut bases: BTreeMap<&str, (Preset, TrainingSetting)> = BTreeMap::new();
    let mut out = Vec::with_capacity(trials.len());
    for trial in trials {
        let algorithm = trial.algorithm.as_str();
        if !bases.contains_key(algorithm) {
            bases.insert(algorithm, base_preset(exp, algorithm)?);
        }
        out.push(job_on(&bases[algorithm], exp, trial, stop_at_target)?);
    }
    Ok(out)
}

/// Resolves one planned trial into a job.
pub fn job(exp: &Experiment, trial: &PlannedTrial, stop_at_target: bool) -> Result<Job> {
    job_on(
        &base_preset(exp, &trial.algorithm)?,
        exp,
        trial,
        stop_at_target,
    )
}

/// A planned trial as a job on its algorithm's base preset and training setting.
fn job_on(
    (base, setting): &(Preset, TrainingSetting),
    exp: &Experiment,
    trial: &PlannedTrial,
    stop_at_target: bool,
) -> Result<Job> {
    let mut optimizer = Hyperparams::new();
    // A preset file's setting is the base; the trial's own values replace it. Phase 1 trains
    // the preset as it was calibrated, over its horizon; phases 2 and 3 carry their own.
    let mut dropout = setting.dropout;
    let mut label_smoothing = setting.label_smoothing.unwrap_or(0.0);
    let horizon = match (trial.phase, setting.horizon) {
        (1, Some(h)) => h,
        _ => trial.horizon,
    };
    let mut overrides = target_setting_point(exp, &trial.algorithm, &trial.workload)?;
    overrides.extend(trial.overrides.clone());
    for (key, value) in &overrides {
        match key.as_str() {
            "dropout" => dropout = Some(number(value, exp, trial, key)?),
            "label_smoothing" => label_smoothing = number(value, exp, trial, key)?,
            _ => optimizer.set(key, to_hvalue(value)),
        }
    }
    let preset = base.with_overrides(&optimizer).map_err(|e| {
        anyhow!(
            "{}: algorithm `{}`, configuration {}: {e}",
            exp.origin,
            trial.algorithm,
            trial.config
        )
    })?;
    for (name, value) in [
        ("dropout", dropout.unwrap_or(0.0)),
        ("label_smoothing", label_smoothing),
    ] {
        if !(0.0..1.0).contains(&value) {
            bail!(
                "{}: algorithm `{}`, configuration {}: {name} = {value}: expected a number in [0, 1)",
                exp.origin,
                trial.algorithm,
                trial.config
            );
        }
    }
    Ok(Job {
        experiment: exp.name.clone(),
        phase: trial.phase,
        algorithm: trial.algorithm.clone(),
        config: trial.config.clone(),
        workload: trial.workload.clone(),
        seed: trial.seed,
        horizon,
        preset,
        dropout,
        label_smoothing,
        stop_at_target,
        dir: experiment_dir(&exp.name).join(trial.relative_dir()),
        data: String::new(),
    })
}
