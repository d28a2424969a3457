//! Hyperparameter maps (as written in presets, search spaces and experiment files) and a
//! checked reader that optimizer configs are built with.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{invalid, OptimError, Result};

/// One hyperparameter value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HValue {
    /// A switch such as `safeguard_warmup`.
    Bool(bool),
    /// Any number.
    Number(f64),
    /// A choice such as `flavor: torch`.
    Text(String),
}

impl fmt::Display for HValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HValue::Bool(b) => write!(f, "{b}"),
            HValue::Number(x) => write!(f, "{x}"),
            HValue::Text(s) => write!(f, "{s}"),
        }
    }
}

impl From<f64> for HValue {
    fn from(x: f64) -> Self {
        HValue::Number(x)
    }
}

impl From<bool> for HValue {
    fn from(b: bool) -> Self {
        HValue::Bool(b)
    }
}

impl From<&str> for HValue {
    fn from(s: &str) -> Self {
        HValue::Text(s.to_string())
    }
}

/// Named hyperparameters, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hyperparams(pub BTreeMap<String, HValue>);

impl Hyperparams {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder-style insert.
    pub fn with(mut self, key: &str, value: impl Into<HValue>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }

    /// Inserts or replaces one value.
    pub fn set(&mut self, key: &str, value: impl Into<HValue>) {
        self.0.insert(key.to_string(), value.into());
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&HValue> {
        self.0.get(key)
    }

    /// A number, if `key` holds one.
    pub fn number(&self, key: &str) -> Option<f64> {
        match self.0.get(key) {
            Some(HValue::Number(x)) => Some(*x),
            _ => None,
        }
    }

    /// Entries of `other` replace entries of `self`; `one_minus_b1` in `other` also replaces
    /// `b1` in `self` (and the other way round), as both name the same coefficient; so does
    /// `base_one_minus_b1` for `base_b1` (Mechanic's base optimizer).
    pub fn merged(&self, other: &Hyperparams) -> Hyperparams {
        let mut out = self.clone();
        for k in other.0.keys() {
            let coefficient = plain_coefficient(k);
            out.0.retain(|j, _| plain_coefficient(j) != coefficient);
        }
        // `other` giving both twins stays an error for the optimizer to report.
        for (k, v) in &other.0 {
            out.0.insert(k.clone(), v.clone());
        }
        out
    }

    /// `key=value` pairs joined by commas, for logs.
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The key with its first `one_minus_` removed: `one_minus_b1` and `b1` (or
/// `base_one_minus_b1` and `base_b1`) name the same coefficient.
fn plain_coefficient(key: &str) -> String {
    key.replacen("one_minus_", "", 1)
}

/// Keys that belong to the preset (learning rate and schedule), not to the optimizer update.
pub const SCHEDULE_KEYS: &[&str] = &["learning_rate", "warmup_fraction", "decay"];

/// Reads typed values out of a [`Hyperparams`] map for one optimizer, with defaults,
/// range errors that name the key, and an error for every key nobody asked for.
pub(crate) struct Reader<'a> {
    algorithm: &'static str,
    map: &'a Hyperparams,
    known: BTreeSet<String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(algorithm: &'static str, map: &'a Hyperparams) -> Self {
        let known = SCHEDULE_KEYS.iter().map(|k| k.to_string()).collect();
        Self {
            algorithm,
            map,
            known,
        }
    }

    fn raw(&mut self, key: &str) -> Option<&'a HValue> {
        self.known.insert(key.to_string());
        self.map.get(key)
    }

    /// A number (default if absent).
    pub(crate) fn number(&mut self, key: &str, default: f64) -> Result<f64> {
        match self.raw(key) {
            None => Ok(default),
            Some(HValue::Number(x)) => Ok(*x),
            Some(HValue::Text(s)) if s == "inf" || s == "infinity" => Ok(f64::INFINITY),
            Some(other) => Err(invalid(key, other, "a number")),
        }
    }

    /// A coefficient in [0, 1) given either as `key` or as `one_minus_<key>`.
    pub(crate) fn beta(&mut self, key: &str, default: f64) -> Result<f64> {
        let alt = format!("one_minus_{key}");
        let direct = self.raw(key).cloned();
        let complement = self.raw(&alt).cloned();
        let value = match (direct, complement) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    key,
                    format!("both `{key}` and `{alt}` given"),
                    "only one of the two",
                ))
            }
            (Some(HValue::Number(x)), None) => x,
            (None, Some(HValue::Number(x))) => {
                if !(x > 0.0 && x <= 1.0) {
                    return Err(invalid(&alt, x, "a number in (0, 1]"));
                }
                if 1.0 - x == 1.0 {
                    return Err(invalid(
                        &alt,
                        x,
                        "a number in (0, 1] large enough that 1 - value < 1 in float64 \
                         (at least 1.2e-16)",
                    ));
                }
                1.0 - x
            }
            (None, None) => default,
            (Some(v), None) => return Err(invalid(key, v, "a number")),
            (None, Some(v)) => return Err(invalid(&alt, v, "a number")),
        };
        crate::validate::beta(key, value)?;
        Ok(value)
    }

    /// A boolean switch.
    pub(crate) fn flag(&mut self, key: &str, default: bool) -> Result<bool> {
        match self.raw(key) {
            None => Ok(default),
            Some(HValue::Bool(b)) => Ok(*b),
            Some(other) => Err(invalid(key, other, "true or false")),
        }
    }

    /// One of a fixed set of words.
    pub(crate) fn choice(
        &mut self,
        key: &str,
        default: &'static str,
        allowed: &[&'static str],
    ) -> Result<&'a str> {
        match self.raw(key) {
            None => Ok(default),
            Some(HValue::Text(s)) if allowed.contains(&s.as_str()) => Ok(s.as_str()),
            Some(other) => Err(invalid(
                key,
                other,
                &format!("one of {}", allowed.join(", ")),
            )),
        }
    }

    /// A word (any text), e.g. the name of a base optimizer.
    pub(crate) fn text(&mut self, key: &str, default: &str) -> Result<String> {
        match self.raw(key) {
            None => Ok(default.to_string()),
            Some(HValue::Text(s)) => Ok(s.clone()),
            Some(other) => Err(invalid(key, other, "a word")),
        }
    }

    /// Every `<prefix>key` entry as `key` (e.g. `base_b1` → `b1` for Mechanic's base).
    pub(crate) fn prefixed(&mut self, prefix: &str) -> Hyperparams {
        let mut out = Hyperparams::new();
        for (k, v) in &self.map.0 {
            if let Some(rest) = k.strip_prefix(prefix) {
                self.known.insert(k.clone());
                out.0.insert(rest.to_string(), v.clone());
            }
        }
        out
    }

    /// Errors on the first key that no `number`/`beta`/`flag`/`choice` call asked for.
    pub(crate) fn finish(self) -> Result<()> {
        for key in self.map.0.keys() {
            if !self.known.contains(key) {
                let known: Vec<_> = self
                    .known
                    .iter()
                    .filter(|k| !k.starts_with("one_minus_"))
                    .cloned()
                    .collect();
                return Err(OptimError::UnknownHyperparameter {
                    algorithm: self.algorithm.to_string(),
                    name: key.clone(),
                    known: known.join(", "),
                });
            }
        }
        Ok(())
    }
}
