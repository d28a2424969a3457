//! Search spaces, in AlgoPerf's dictionary form (so its JSON files load unchanged) plus fixed
//! values:
//!
//! ```yaml
//! learning_rate: {min: 1.0e-4, max: 1.0e-2, scaling: log}     # log-uniform
//! weight_decay:  {min: 0.0, max: 0.5, scaling: linear}        # uniform
//! label_smoothing: {feasible_points: [0.0, 0.1, 0.2]}         # discrete choice
//! safeguard_warmup: true                                      # fixed value
//! ```
//! Dimensions keep the order they are written in (AlgoPerf's Halton search depends on it).

use serde_yaml::{Mapping, Value as Yaml};

use crate::error::{Result, SearchError};
use crate::value::{Point, Value};

/// How one hyperparameter is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Dimension {
    /// `min · exp(u · ln(max/min))`.
    Log {
        /// Lower end (> 0).
        min: f64,
        /// Upper end (≥ min).
        max: f64,
    },
    /// `min + u · (max − min)`.
    Linear {
        /// Lower end.
        min: f64,
        /// Upper end (≥ min).
        max: f64,
    },
    /// `points[floor(u · len)]`.
    Choice(Vec<Value>),
    /// Always this value; uses no quasi-random coordinate.
    Fixed(Value),
}

impl Dimension {
    /// Whether the dimension consumes a quasi-random coordinate.
    pub fn is_random(&self) -> bool {
        !matches!(self, Dimension::Fixed(_))
    }

    /// The values that bound what the dimension can produce: both ends of a range, every
    /// choice, the fixed value (checking these checks every point it can draw).
    pub fn extremes(&self) -> Vec<Value> {
        match self {
            Dimension::Log { min, max } | Dimension::Linear { min, max } => {
                vec![Value::Number(*min), Value::Number(*max)]
            }
            Dimension::Choice(points) => points.clone(),
            Dimension::Fixed(v) => vec![v.clone()],
        }
    }

    /// The value at coordinate `u ∈ [0, 1)`, with AlgoPerf `halton.py`'s formulas.
    pub fn at(&self, u: f64) -> Value {
        match self {
            Dimension::Log { min, max } => Value::Number(min * (u * (max / min).ln()).exp()),
            Dimension::Linear { min, max } => Value::Number(u * (max - min) + min),
            Dimension::Choice(points) => {
                let i = ((u * points.len() as f64).floor() as usize).min(points.len() - 1);
                points[i].clone()
            }
            Dimension::Fixed(v) => v.clone(),
        }
    }
}

/// An ordered list of named dimensions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchSpace {
    /// `(name, dimension)` in file order.
    pub dims: Vec<(String, Dimension)>,
}

fn scalar(v: &Yaml) -> Option<Value> {
    match v {
        Yaml::Bool(b) => Some(Value::Bool(*b)),
        Yaml::Number(n) => n.as_f64().map(Value::Number),
        Yaml::String(s) => Some(Value::Text(s.clone())),
        _ => None,
    }
}

fn number(map: &Mapping, key: &str, origin: &str, at: &str) -> Result<f64> {
    match map.get(key) {
        Some(Yaml::Number(n)) => n.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
            SearchError::new(origin, format!("{at}.{key}: expected a finite number"))
        }),
        Some(other) => Err(SearchError::new(
            origin,
            format!("{at}.{key}: expected a number, found {}", show(other)),
        )),
        None => Err(SearchError::new(origin, format!("{at}: missing `{key}`"))),
    }
}

fn show(v: &Yaml) -> String {
    serde_yaml::to_string(v)
        .unwrap_or_default()
        .trim()
        .to_string()
}

impl SearchSpace {
    /// Reads a space from a YAML mapping; `at` is the key path used in errors
    /// (e.g. `algorithms.adamw.search_space`).
    pub fn from_yaml(value: &Yaml, origin: &str, at: &str) -> Result<Self> {
        let map = match value {
            Yaml::Mapping(m) => m,
            Yaml::Null => return Ok(Self::default()),
            other => {
                return Err(SearchError::new(
                    origin,
                    format!(
                        "{at}: expected a mapping of hyperparameter names, found {}",
                        show(other)
                    ),
                ))
            }
        };
        let mut dims = Vec::new();
        for (key, spec) in map {
            let name = key.as_str().ok_or_else(|| {
                SearchError::new(origin, format!("{at}: key {} is not a name", show(key)))
            })?;
            let here = format!("{at}.{name}");
            dims.push((name.to_string(), Self::dimension(spec, origin, &here)?));
        }
        Ok(Self { dims })
    }

    fn dimension(spec: &Yaml, origin: &str, at: &str) -> Result<Dimension> {
        let Yaml::Mapping(m) = spec else {
            return scalar(spec).map(Dimension::Fixed).ok_or_else(|| {
                SearchError::new(
                    origin,
                    format!("{at}: expected a number, word, switch or mapping"),
                )
            });
        };
        for key in m.keys() {
            let ok = matches!(
                key.as_str(),
                Some("min" | "max" | "scaling" | "feasible_points")
            );
            if !ok {
                return Err(SearchError::new(
                    origin,
                    format!(
                        "{at}: unknown key {} (expected min/max/scaling or feasible_points)",
                        show(key)
                    ),
                ));
            }
        }
        if let Some(points) = m.get("feasible_points") {
            if m.len() != 1 {
                return Err(SearchError::new(
                    origin,
                    format!("{at}: feasible_points stands alone"),
                ));
            }
            let list = points
                .as_sequence()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    SearchError::new(
                        origin,
                        format!("{at}.feasible_points: expected a non-empty list"),
                    )
                })?;
            let values = list
                .iter()
                .map(|v| {
                    scalar(v).ok_or_else(|| {
                        SearchError::new(
                            origin,
                            format!("{at}.feasible_points: {} is not a value", show(v)),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            return Ok(Dimension::Choice(values));
        }
        let min = number(m, "min", origin, at)?;
        let max = number(m, "max", origin, at)?;
        if min > max {
            return Err(SearchError::new(
                origin,
                format!("{at}: min {min} > max {max}"),
            ));
        }
        match m.get("scaling").and_then(Yaml::as_str) {
            Some("log") if min > 0.0 => Ok(Dimension::Log { min, max }),
            Some("log") => Err(SearchError::new(
                origin,
                format!("{at}: log scaling needs min > 0, found {min}"),
            )),
            Some("linear") => Ok(Dimension::Linear { min, max }),
            _ => Err(SearchError::new(
                origin,
                format!("{at}.scaling: expected `log` or `linear`"),
            )),
        }
    }

    /// Adds the dimensions of `other`, replacing same-named ones in place.
    pub fn merged(&self, other: &SearchSpace) -> SearchSpace {
        let mut out = self.clone();
        for (name, dim) in &other.dims {
            match out.dims.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = dim.clone(),
                None => out.dims.push((name.clone(), dim.clone())),
            }
        }
        out
    }

    /// Number of dimensions that use a quasi-random coordinate.
    pub fn random_dims(&self) -> usize {
        self.dims.iter().filter(|(_, d)| d.is_random()).count()
    }

    /// The point for coordinates `u` (one per random dimension, in order).
    pub fn point(&self, u: &[f64]) -> Point {
        let mut coords = u.iter();
        self.dims
            .iter()
            .map(|(name, dim)| {
                let c = if dim.is_random() {
                    *coords.next().expect("one coordinate per random dimension")
                } else {
                    0.0
                };
                (name.clone(), dim.at(c))
            })
            .collect()
    }
}
