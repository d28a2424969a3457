//! Reading a golden trajectory file.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// One step of a golden trajectory.
#[derive(Debug, Clone)]
pub struct GoldenStep {
    /// Loss at the parameters before the step.
    pub loss: f64,
    /// Gradient fed at this step, by parameter name.
    pub grads: BTreeMap<String, Vec<f64>>,
    /// Parameters after the step.
    pub params: BTreeMap<String, Vec<f64>>,
    /// Optimizer state after the step, as recorded (scalars, or per-parameter arrays).
    pub state: BTreeMap<String, Value>,
    /// The evaluation point after the step, where recorded (Schedule-Free `eval_params`, DoG
    /// `averaged_params`).
    pub eval_params: Option<BTreeMap<String, Vec<f64>>>,
}

/// A parsed golden file.
#[derive(Debug, Clone)]
pub struct GoldenFile {
    /// Optimizer family (`prodigy`, …).
    pub optimizer: String,
    /// Reference implementation (`optax`, `torch`, `algoperf_jax`, …).
    pub implementation: String,
    /// Constructor keyword arguments as recorded.
    pub hyperparams: BTreeMap<String, Value>,
    /// Learning rate per step when scheduled.
    pub lr_schedule: Option<Vec<f64>>,
    /// Whether the loss is fed to the optimizer.
    pub needs_loss: bool,
    /// Parameter order (also the order of global reductions).
    pub param_order: Vec<String>,
    /// x₀ by name.
    pub initial_params: BTreeMap<String, Vec<f64>>,
    /// The trajectory.
    pub steps: Vec<GoldenStep>,
}

/// A float as written in golden files: a number, or the strings "nan" / "inf" / "-inf".
pub(crate) fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn floats(v: &Value, what: &str) -> Result<Vec<f64>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{what}` is not an array"))?
        .iter()
        .map(|x| float(x).ok_or_else(|| format!("`{what}` holds a non-number: {x}")))
        .collect()
}

fn named_arrays(v: &Value, what: &str) -> Result<BTreeMap<String, Vec<f64>>, String> {
    v.as_object()
        .ok_or_else(|| format!("`{what}` is not an object"))?
        .iter()
        .map(|(k, x)| Ok((k.clone(), floats(x, &format!("{what}.{k}"))?)))
        .collect()
}

fn text(doc: &Value, key: &str) -> Result<String, String> {
    doc.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("missing string key `{key}`"))
}

impl GoldenFile {
    /// Parses `path`; errors name the file and the key.
    pub fn read(path: &Path) -> Result<Self, String> {
        let here = |e: String| format!("{}: {e}", path.display());
        let raw = std::fs::read_to_string(path).map_err(|e| here(e.to_string()))?;
        let doc: Value = serde_json::from_str(&raw).map_err(|e| here(format!("not JSON: {e}")))?;
        Self::from_json(&doc).map_err(here)
    }

    fn from_json(doc: &Value) -> Result<Self, String> {
        if doc.get("schema_version").and_then(Value::as_u64) != Some(1) {
            return Err("`schema_version` must be 1".into());
        }
        let hyperparams = doc
            .get("hyperparams")
            .and_then(Value::as_object)
            .ok_or("missing object `hyperparams`")?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let lr_schedule = match doc.get("lr_schedule") {
            None | Some(Value::Null) => None,
            Some(s) => Some(floats(
                s.get("values").ok_or("`lr_schedule` has no `values`")?,
                "lr_schedule.values",
            )?),
        };
        let param_order = doc
            .get("param_order")
            .and_then(Value::as_array)
            .ok_or("missing array `param_order`")?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or("`param_order` holds a non-string")
            })
            .collect::<Result<Vec<_>, _>>()?;
        let initial_params = named_arrays(
            doc.get("initial_params")
                .ok_or("missing `initial_params`")?,
            "initial_params",
        )?;
        if doc.get("dtype").and_then(Value::as_str) != Some("float64") {
            return Err("`dtype` must be \"float64\"".into());
        }
        let shapes: BTreeMap<String, Vec<u64>> = doc
            .get("param_shapes")
            .and_then(Value::as_object)
            .ok_or("missing object `param_shapes`")?
            .iter()
            .map(|(k, v)| {
                let dims = v
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_u64).collect());
                dims.map(|d| (k.clone(), d))
                    .ok_or_else(|| format!("`param_shapes.{k}` is not a list of sizes"))
            })
            .collect::<Result<_, String>>()?;
        for name in &param_order {
            let values = initial_params.get(name).ok_or_else(|| {
                format!("`initial_params` has no `{name}` (named in `param_order`)")
            })?;
            let shape = shapes
                .get(name)
                .ok_or_else(|| format!("`param_shapes` has no `{name}`"))?;
            let count: u64 = shape.iter().product();
            if count as usize != values.len() {
                return Err(format!(
                    "`initial_params.{name}` has {} values but `param_shapes.{name}` = {shape:?} holds {count}",
                    values.len()
                ));
            }
        }
        let steps = doc
            .get("steps")
            .and_then(Value::as_array)
            .ok_or("missing array `steps`")?
            .iter()
            .enumerate()
            .map(|(t, s)| {
                let at = |k: &str| format!("steps[{t}].{k}");
                Ok(GoldenStep {
                    loss: s.get("loss").and_then(float).ok_or_else(|| at("loss"))?,
                    grads: named_arrays(s.get("grads").ok_or_else(|| at("grads"))?, &at("grads"))?,
                    params: named_arrays(
                        s.get("params").ok_or_else(|| at("params"))?,
                        &at("params"),
                    )?,
                    eval_params: match s.get("eval_params").or_else(|| s.get("averaged_params")) {
                        None => None,
                        Some(v) => Some(named_arrays(v, &at("eval_params"))?),
                    },
                    state: s
                        .get("state")
                        .and_then(Value::as_object)
                        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let declared = doc
            .get("num_steps")
            .and_then(Value::as_u64)
            .ok_or("missing integer `num_steps`")?;
        if steps.is_empty() || steps.len() as u64 != declared {
            return Err(format!(
                "`num_steps` is {declared} but `steps` holds {}",
                steps.len()
            ));
        }
        Ok(Self {
            optimizer: text(doc, "optimizer")?,
            implementation: text(doc, "impl")?,
            hyperparams,
            lr_schedule,
            needs_loss: doc
                .get("needs_loss")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            param_order,
            initial_params,
            steps,
        })
    }

    /// The learning rate fed at step `t`: the schedule value, or the constant `learning_rate`/`lr`.
    pub fn lr_at(&self, t: usize) -> Result<f64, String> {
        if let Some(values) = &self.lr_schedule {
            return values
                .get(t)
                .copied()
                .ok_or_else(|| format!("lr_schedule has no value for step {t}"));
        }
        match ["learning_rate", "lr"]
            .iter()
            .find_map(|k| self.hyperparams.get(*k))
        {
            Some(v) => float(v).ok_or_else(|| format!("learning rate {v} is not a number")),
            // The reference API takes no learning rate (parameterfree's COCOB): feed 1.
            None => Ok(1.0),
        }
    }
}
