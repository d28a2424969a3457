//! Presets: an optimizer name plus every hyperparameter it runs with, including the learning
//! rate and the warmup of the schedule. Literature presets come from the registry; calibrated
//! ones are loaded from YAML.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{invalid, OptimError, Result};
use crate::hparams::{HValue, Hyperparams};
use crate::optimizer::Optimizer;
use crate::registry::algorithm;
use crate::schedule::Schedule;

/// An optimizer configuration ready to build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Registry name (`adamw`, `nadamw`, `prodigy`, …).
    pub algorithm: String,
    /// Hyperparameters; keys not given take the optimizer's defaults.
    #[serde(default)]
    pub hparams: Hyperparams,
}

impl Preset {
    /// A preset from a name and hyperparameters, checked by building it once.
    pub fn new(algorithm: &str, hparams: Hyperparams) -> Result<Self> {
        for key in ["learning_rate", "warmup_fraction"] {
            match hparams.get(key) {
                None | Some(HValue::Number(_)) => {}
                Some(other) => return Err(invalid(key, other, "a number")),
            }
        }
        match hparams.get("decay") {
            None => {}
            Some(HValue::Text(t)) if t == "cosine" || t == "constant" => {}
            Some(other) => return Err(invalid("decay", other, "cosine or constant")),
        }
        let preset = Self {
            algorithm: algorithm.to_string(),
            hparams,
        };
        preset.build()?;
        preset.schedule(1)?;
        Ok(preset)
    }

    /// The literature defaults of `name` (see the table in the crate docs).
    pub fn literature(name: &str) -> Result<Self> {
        let info = algorithm(name)?;
        Ok(Self {
            algorithm: info.name.to_string(),
            hparams: (info.literature)(),
        })
    }

    /// This preset with some hyperparameters replaced.
    pub fn with_overrides(&self, overrides: &Hyperparams) -> Result<Self> {
        Self::new(&self.algorithm, self.hparams.merged(overrides))
    }

    /// Builds the optimizer.
    pub fn build(&self) -> Result<Box<dyn Optimizer>> {
        algorithm(&self.algorithm)?.build(&self.hparams)
    }

    /// Peak learning rate (the multiplier for learning-rate-free methods), default 1.
    pub fn learning_rate(&self) -> f64 {
        self.hparams.number("learning_rate").unwrap_or(1.0)
    }

    /// Fraction of the horizon spent in linear warmup, default 0.
    pub fn warmup_fraction(&self) -> f64 {
        self.hparams.number("warmup_fraction").unwrap_or(0.0)
    }

    /// The schedule for a run of `horizon_steps` steps: linear warmup, then cosine decay to 0
    /// (`decay: cosine`, the default) or a constant learning rate (`decay: constant`, for
    /// Schedule-Free methods).
    pub fn schedule(&self, horizon_steps: u64) -> Result<Schedule> {
        crate::validate::learning_rate(self.learning_rate())?;
        match self.hparams.get("decay") {
            Some(HValue::Text(t)) if t == "constant" => {
                Schedule::warmup_constant(self.warmup_fraction(), horizon_steps)
            }
            _ => Schedule::warmup_cosine(self.warmup_fraction(), horizon_steps),
        }
    }

    /// Parses a preset from YAML text (`algorithm:` and `hparams:`); `origin` names the source
    /// in errors, which carry the line and column.
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let preset: Preset = serde_yaml::from_str(text).map_err(|e| OptimError::Preset {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        Self::new(&preset.algorithm, preset.hparams).map_err(|e| OptimError::Preset {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    /// Reads a preset file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| OptimError::Preset {
            origin: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    /// Reads `algorithm`'s preset from a file that is either one preset or a set of them keyed
    /// by algorithm (the `calibrated.yaml` that `cargo xtask score` writes: each entry has
    /// `algorithm` and `hparams`, plus the [`TrainingSetting`] it was calibrated with and the
    /// informative `source` and `geomean_time_to_target`; any other key is an error).
    pub fn load_named(path: &Path, name: &str) -> Result<Self> {
        Self::load_named_with_setting(path, name).map(|(preset, _)| preset)
    }

    /// As [`Preset::load_named`], also returning the entry's training setting (empty for a
    /// single-preset file), each value checked.
    pub fn load_named_with_setting(path: &Path, name: &str) -> Result<(Self, TrainingSetting)> {
        let origin = path.display().to_string();
        let fail = |message: String| OptimError::Preset {
            origin: origin.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let value: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|e| fail(e.to_string()))?;
        if value.get("algorithm").is_some() {
            return Ok((
                Self::from_yaml_str(text, &origin)?,
                TrainingSetting::default(),
            ));
        }
        let entry = value.get(name).ok_or_else(|| {
            let keys: Vec<String> = value
                .as_mapping()
                .map(|m| {
                    m.keys()
                        .filter_map(|k| k.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            fail(format!(
                "no preset `{name}` (expected one preset with `algorithm:`, or a set keyed by \
                 algorithm; this file has: {})",
                keys.join(", ")
            ))
        })?;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Entry {
            algorithm: String,
            #[serde(default)]
            hparams: Hyperparams,
            horizon: Option<f64>,
            dropout: Option<f64>,
            label_smoothing: Option<f64>,
            #[allow(dead_code)] // informative: where the configuration came from
            source: Option<String>,
            #[allow(dead_code)] // informative: its score in the experiment that chose it
            geomean_time_to_target: Option<f64>,
        }
        let entry: Entry =
            serde_yaml::from_value(entry.clone()).map_err(|e| fail(format!("{name}: {e}")))?;
        if entry.algorithm != name {
            return Err(fail(format!(
                "{name}: is a preset of `{}`",
                entry.algorithm
            )));
        }
        let setting = TrainingSetting {
            horizon: entry.horizon,
            dropout: entry.dropout,
            label_smoothing: entry.label_smoothing,
        };
        setting.check().map_err(|e| fail(format!("{name}.{e}")))?;
        let preset =
            Self::new(&entry.algorithm, entry.hparams).map_err(|e| fail(format!("{name}: {e}")))?;
        Ok((preset, setting))
    }

    /// The preset as YAML (the format [`Preset::from_yaml_str`] reads).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("presets serialize")
    }
}

/// What a calibrated configuration was trained with besides the optimizer: the training
/// horizon and the workload's regularisation (entries of `calibrated.yaml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingSetting {
    /// Fraction of the step budget trained (and spanned by the schedule), in (0, 1].
    pub horizon: Option<f64>,
    /// Dropout rate for workloads that have dropout, in [0, 1).
    pub dropout: Option<f64>,
    /// Label smoothing, in [0, 1).
    pub label_smoothing: Option<f64>,
}

impl TrainingSetting {
    /// Checks the ranges; the error starts with the key.
    pub fn check(&self) -> std::result::Result<(), String> {
        if let Some(h) = self.horizon {
            if !(h > 0.0 && h <= 1.0) {
                return Err(format!("horizon = {h}: expected a number in (0, 1]"));
            }
        }
        for (key, value) in [
            ("dropout", self.dropout),
            ("label_smoothing", self.label_smoothing),
        ] {
            if let Some(x) = value {
                if !(0.0..1.0).contains(&x) {
                    return Err(format!("{key} = {x}: expected a number in [0, 1)"));
                }
            }
        }
        Ok(())
    }
}
