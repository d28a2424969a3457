//! From a golden file's constructor arguments to an lrf-optim preset.

use serde_json::Value;

use super::file::{float, GoldenFile};
use crate::hparams::{HValue, Hyperparams};

/// The optimizer names SCHEMA.md defines; others are errors, not skips.
const SCHEMA_OPTIMIZERS: &[&str] = &[
    "dog",
    "ldog",
    "dowg",
    "prodigy",
    "dadapt_adamw",
    "mechanic",
    "cocob",
    "momo",
    "momo_adam",
    "schedule_free_adamw",
    "adamw",
    "nadamw",
    "sgd_nesterov",
];

/// A value a reference argument must hold for lrf-optim to replay the file.
#[derive(Clone, Copy)]
enum Must {
    Num(f64),
    Bool(bool),
}

impl Must {
    fn matches(self, v: &Value) -> bool {
        match self {
            Must::Num(x) => float(v) == Some(x),
            Must::Bool(b) => v.as_bool() == Some(b),
        }
    }
}

/// What to do with one keyword argument of the reference constructor.
#[derive(Clone, Copy)]
enum Rule {
    /// The learning rate: fed per step, not part of the preset.
    Lr,
    /// Same meaning under another name.
    Key(&'static str),
    /// `betas = [β₁, β₂]`.
    Betas,
    /// A list of betas kept as one vector hyperparameter (Mechanic's).
    BetaList(&'static str),
    /// Must hold this value, or the file is skipped (an option lrf does not offer).
    Only(Must),
    /// Has no effect on the maths (logging switches).
    Ignore,
    /// optax DoG `init_step = (kind, value)`.
    DogInitStep,
    /// PyTorch DoG `reps_rel` (the heuristic's value, unless `init_eta` is given).
    DogRepsRel,
    /// PyTorch DoG `init_eta` (a fixed first step when not null).
    DogInitEta,
    /// Mechanic's base optimizer: only Adam (b1 0.9, b2 0.999, eps 1e-8) is replayed.
    MechanicAdamBase,
    /// optax Schedule-Free `warmup_steps`, whose schedule optax evaluates in float32 unless the
    /// file says `schedule_dtype: float64`.
    OptaxWarmupSteps,
}

/// Our algorithm name, the argument rules, and fixed extra settings.
type Translation = (&'static str, Vec<(&'static str, Rule)>, Hyperparams);

/// The argument table of each (optimizer, implementation), plus fixed extra settings.
fn table(optimizer: &str, implementation: &str) -> Option<Translation> {
    use Rule::*;
    let adam_optax = vec![
        ("learning_rate", Lr),
        ("b1", Key("b1")),
        ("b2", Key("b2")),
        ("eps", Key("eps")),
        ("weight_decay", Key("weight_decay")),
    ];
    let adam_torch = vec![
        ("lr", Lr),
        ("betas", Betas),
        ("eps", Key("eps")),
        ("weight_decay", Key("weight_decay")),
    ];
    let dog_torch = vec![
        ("lr", Lr),
        ("reps_rel", DogRepsRel),
        ("init_eta", DogInitEta),
        ("eps", Key("eps")),
        ("weight_decay", Key("weight_decay")),
    ];
    let fixed = Hyperparams::new();
    Some(match (optimizer, implementation) {
        ("adamw", "optax") => ("adamw", adam_optax, fixed),
        ("adamw", "torch") => ("adamw", adam_torch, fixed),
        ("nadamw", "algoperf_jax") => ("nadamw", adam_optax, fixed.with("nesterov", "algoperf")),
        ("nadamw", "algoperf_torch") => ("nadamw", adam_torch, fixed.with("nesterov", "algoperf")),
        ("nadamw", "optax") => ("nadamw", adam_optax, fixed.with("nesterov", "optax")),
        ("prodigy", "optax") => (
            "prodigy",
            vec![
                ("learning_rate", Lr),
                ("betas", Betas),
                ("beta3", Key("b3")),
                ("eps", Key("eps")),
                ("estim_lr0", Key("d0")),
                ("estim_lr_coef", Key("d_coef")),
                ("weight_decay", Key("weight_decay")),
                ("safeguard_warmup", Key("safeguard_warmup")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("prodigy", "torch") => (
            "prodigy",
            vec![
                ("lr", Lr),
                ("betas", Betas),
                ("beta3", Key("b3")),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
                ("decouple", Key("decoupled")),
                ("use_bias_correction", Key("bias_correction")),
                ("safeguard_warmup", Key("safeguard_warmup")),
                ("d0", Key("d0")),
                ("d_coef", Key("d_coef")),
                ("growth_rate", Key("growth_rate")),
                ("slice_p", Only(Must::Num(1.0))),
            ],
            fixed.with("flavor", "torch"),
        ),
        ("sgd_nesterov", "optax") => (
            "sgd_nesterov",
            vec![
                ("learning_rate", Lr),
                ("momentum", Key("momentum")),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed,
        ),
        ("sgd_nesterov", "torch") => (
            "sgd_nesterov",
            vec![
                ("lr", Lr),
                ("momentum", Key("momentum")),
                ("dampening", Only(Must::Num(0.0))),
                ("nesterov", Only(Must::Bool(true))),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed,
        ),
        ("dog", "optax") => (
            "dog",
            vec![
                ("learning_rate", Lr),
                ("init_step", DogInitStep),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("dog", "torch") => ("dog", dog_torch, fixed.with("flavor", "torch")),
        ("ldog", "torch") => ("ldog", dog_torch, fixed.with("flavor", "torch")),
        ("dowg", "optax") => (
            "dowg",
            vec![
                ("learning_rate", Lr),
                ("init_estim_sq_dist", Key("init_sq_dist")),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed,
        ),
        ("dadapt_adamw", "optax") => (
            "dadapt_adamw",
            vec![
                ("learning_rate", Lr),
                ("betas", Betas),
                ("eps", Key("eps")),
                ("estim_lr0", Key("d0")),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("dadapt_adamw", "torch") => (
            "dadapt_adamw",
            vec![
                ("lr", Lr),
                ("betas", Betas),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
                ("log_every", Ignore),
                ("decouple", Key("decoupled")),
                ("use_bias_correction", Key("bias_correction")),
                ("d0", Key("d0")),
                ("growth_rate", Key("growth_rate")),
            ],
            fixed.with("flavor", "torch"),
        ),
        ("cocob", "optax") => (
            "cocob",
            vec![
                ("learning_rate", Lr),
                ("alpha", Key("alpha")),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed,
        ),
        ("cocob", "torch") => (
            "cocob",
            vec![
                ("alpha", Key("alpha")),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
            ],
            fixed.with("lr_scales_gradient", false),
        ),
        ("momo", "optax") => (
            "momo",
            vec![
                ("learning_rate", Lr),
                ("beta", Key("beta")),
                ("lower_bound", Key("lower_bound")),
                ("weight_decay", Key("weight_decay")),
                ("adapt_lower_bound", Key("adapt_lower_bound")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("momo", "torch") => (
            "momo",
            vec![
                ("lr", Lr),
                ("beta", Key("beta")),
                ("lb", Key("lower_bound")),
                ("weight_decay", Key("weight_decay")),
                ("use_fstar", Key("adapt_lower_bound")),
                ("bias_correction", Key("bias_correction")),
            ],
            fixed.with("flavor", "torch"),
        ),
        ("momo_adam", "optax") => (
            "momo_adam",
            vec![
                ("learning_rate", Lr),
                ("b1", Key("b1")),
                ("b2", Key("b2")),
                ("eps", Key("eps")),
                ("lower_bound", Key("lower_bound")),
                ("weight_decay", Key("weight_decay")),
                ("adapt_lower_bound", Key("adapt_lower_bound")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("momo_adam", "torch") => (
            "momo_adam",
            vec![
                ("lr", Lr),
                ("betas", Betas),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
                ("lb", Key("lower_bound")),
                ("divide", Key("divide")),
                ("use_fstar", Key("adapt_lower_bound")),
            ],
            fixed.with("flavor", "torch"),
        ),
        ("schedule_free_adamw", "optax") => (
            "schedule_free_adamw",
            vec![
                ("learning_rate", Lr),
                ("warmup_steps", OptaxWarmupSteps),
                ("schedule_dtype", Ignore),
                ("b1", Key("b1")),
                ("b2", Key("b2")),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
                ("weight_lr_power", Key("weight_lr_power")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("schedule_free_adamw", "torch" | "torch_reference" | "torch_paper") => (
            "schedule_free_adamw",
            vec![
                ("lr", Lr),
                ("betas", Betas),
                ("eps", Key("eps")),
                ("weight_decay", Key("weight_decay")),
                ("warmup_steps", Key("warmup_steps")),
                ("r", Key("r")),
                ("weight_lr_power", Key("weight_lr_power")),
            ],
            fixed.with(
                "flavor",
                if implementation == "torch_paper" {
                    "torch_paper"
                } else {
                    "torch"
                },
            ),
        ),
        ("mechanic", "optax") => (
            "mechanic",
            vec![
                ("base_optimizer", MechanicAdamBase),
                ("weight_decay", Key("weight_decay")),
                ("eps", Key("eps")),
                ("s_init", Key("s_init")),
                ("num_betas", Key("num_betas")),
            ],
            fixed.with("flavor", "optax"),
        ),
        ("mechanic", "torch") => (
            "mechanic",
            vec![
                ("Base", MechanicAdamBase),
                ("s_decay", Key("weight_decay")),
                ("betas", BetaList("betas")),
                ("s_init", Key("s_init")),
                ("eps", Key("eps")),
                ("store_delta", Only(Must::Bool(false))),
            ],
            fixed.with("flavor", "torch"),
        ),
        _ => return None,
    })
}

fn value(v: &Value) -> Option<HValue> {
    match v {
        Value::Bool(b) => Some(HValue::Bool(*b)),
        Value::Null => None,
        other => float(other).map(HValue::Number),
    }
}

/// `Ok(Ok((algorithm, hparams)))` to replay, `Ok(Err(reason))` to skip, `Err` for a file whose
/// arguments this table does not know (so new reference options are never silently ignored).
pub fn translate(golden: &GoldenFile) -> Result<Result<(String, Hyperparams), String>, String> {
    if !SCHEMA_OPTIMIZERS.contains(&golden.optimizer.as_str()) {
        return Err(format!(
            "unknown optimizer `{}` (the schema lists {})",
            golden.optimizer,
            SCHEMA_OPTIMIZERS.join(", ")
        ));
    }
    let Some((algorithm, rules, fixed)) = table(&golden.optimizer, &golden.implementation) else {
        return Ok(Err(format!(
            "{} ({}) is not implemented in lrf-optim",
            golden.optimizer, golden.implementation
        )));
    };
    let mut h = fixed;
    for (key, v) in &golden.hyperparams {
        let Some((_, rule)) = rules.iter().find(|(k, _)| k == key) else {
            return Err(format!(
                "hyperparameter `{key}` of {} ({}) has no translation",
                golden.optimizer, golden.implementation
            ));
        };
        match *rule {
            Rule::Lr | Rule::Ignore => {}
            Rule::Key(ours) => {
                if let Some(x) = value(v) {
                    h.set(ours, x);
                }
            }
            Rule::Betas => {
                let b: Vec<f64> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(float)
                    .collect();
                if b.len() != 2 {
                    return Err(format!("`{key}` must be two numbers"));
                }
                h.set("b1", b[0]);
                h.set("b2", b[1]);
            }
            Rule::BetaList(ours) => {
                let b: Vec<String> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(float)
                    .map(|x| x.to_string())
                    .collect();
                h.set(ours, b.join(",").as_str());
            }
            Rule::Only(allowed) => {
                if !allowed.matches(v) {
                    return Ok(Err(format!(
                        "{key} = {v} is an option lrf-optim does not offer"
                    )));
                }
            }
            Rule::DogInitStep => {
                let kind = v.get(0).and_then(Value::as_str);
                let x = v.get(1).and_then(float);
                let (Some(kind), Some(x)) = (kind, x) else {
                    return Err(format!("`{key}` must be [kind, value]"));
                };
                h.set("init", kind);
                h.set("init_value", x);
            }
            Rule::DogRepsRel => {
                let fixed_first_step = golden
                    .hyperparams
                    .get("init_eta")
                    .is_some_and(|e| !e.is_null());
                if !fixed_first_step {
                    if let Some(x) = float(v) {
                        h.set("init", "heuristic");
                        h.set("init_value", x);
                    }
                }
            }
            Rule::MechanicAdamBase => {
                let text = v.as_str().unwrap_or("").replace(' ', "");
                let adam = text.starts_with("optax.adam(") || text.starts_with("torch.optim.Adam(");
                let defaults = ["0.9", "0.999", "eps=1e-8"]
                    .iter()
                    .all(|x| text.contains(x));
                if !(adam && defaults) {
                    return Ok(Err(format!(
                        "{key} = {v}: only an Adam(0.9, 0.999, 1e-8) base is replayed"
                    )));
                }
                h.set("base", "adamw");
                h.set("base_weight_decay", 0.0);
            }
            Rule::OptaxWarmupSteps => {
                if let Some(x) = float(v) {
                    let f64_schedule = golden
                        .hyperparams
                        .get("schedule_dtype")
                        .and_then(Value::as_str)
                        == Some("float64");
                    h.set("warmup_steps", x);
                    h.set("warmup_f32", !f64_schedule);
                }
            }
            Rule::DogInitEta => {
                if let Some(x) = float(v) {
                    h.set("init", "learning_rate");
                    h.set("init_value", x);
                }
            }
        }
    }
    Ok(Ok((algorithm.to_string(), h)))
}
