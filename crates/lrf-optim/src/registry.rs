//! The table of optimizers: names, literature defaults with their sources, constructors.

use crate::adamw::AdamWConfig;
use crate::cocob::CocobConfig;
use crate::dadapt_adamw::DAdaptAdamWConfig;
use crate::dog::DogConfig;
use crate::dowg::DowgConfig;
use crate::error::{OptimError, Result};
use crate::hparams::Hyperparams;
use crate::mechanic::MechanicConfig;
use crate::momo::{MomoAdamConfig, MomoConfig};
use crate::nadamw::NAdamWConfig;
use crate::optimizer::Optimizer;
use crate::prodigy::ProdigyConfig;
use crate::schedule_free::ScheduleFreeAdamWConfig;
use crate::sgd_nesterov::SgdNesterovConfig;

/// One row of the optimizer table.
pub struct AlgorithmInfo {
    /// Registry name used in presets and experiment files.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Whether it sets its own step size (the `learning_rate` is then a multiplier, default 1).
    pub learning_rate_free: bool,
    /// Literature defaults, including `learning_rate` and `warmup_fraction`.
    pub literature: fn() -> Hyperparams,
    /// Where the defaults come from.
    pub source: &'static str,
    build: fn(&Hyperparams) -> Result<Box<dyn Optimizer>>,
}

impl AlgorithmInfo {
    /// Builds the optimizer from hyperparameters (missing keys take the config defaults).
    pub fn build(&self, hparams: &Hyperparams) -> Result<Box<dyn Optimizer>> {
        (self.build)(hparams)
    }
}

fn adamw_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1e-3)
        .with("b1", 0.9)
        .with("b2", 0.999)
        .with("eps", 1e-8)
        .with("weight_decay", 1e-2)
        .with("warmup_fraction", 0.05)
}

fn nadamw_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 0.0017486387539278373)
        .with("one_minus_b1", 0.06733926164)
        .with("b2", 0.9955159689799007)
        .with("eps", 1e-8)
        .with("weight_decay", 0.08121616522670176)
        .with("warmup_fraction", 0.02)
}

fn prodigy_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("b1", 0.9)
        .with("b2", 0.999)
        .with("eps", 1e-8)
        .with("d0", 1e-6)
        .with("d_coef", 1.0)
        .with("weight_decay", 0.0)
        .with("safeguard_warmup", false)
        .with("warmup_fraction", 0.0)
}

fn sgd_nesterov_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 0.1)
        .with("momentum", 0.9)
        .with("weight_decay", 0.0)
        .with("warmup_fraction", 0.05)
}

fn dog_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("init", "heuristic")
        .with("init_value", 1e-6)
        .with("eps", 1e-8)
        .with("weight_decay", 0.0)
        .with("average_gamma", 8.0)
        .with("warmup_fraction", 0.0)
}

fn ldog_literature() -> Hyperparams {
    dog_literature().with("flavor", "torch")
}

fn dowg_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("eps", 1e-4)
        .with("weight_decay", 0.0)
        .with("warmup_fraction", 0.0)
}

fn dadapt_adamw_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("b1", 0.9)
        .with("b2", 0.999)
        .with("eps", 1e-8)
        .with("d0", 1e-6)
        .with("weight_decay", 0.0)
        .with("warmup_fraction", 0.0)
}

fn cocob_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("alpha", 100.0)
        .with("eps", 1e-8)
        .with("weight_decay", 0.0)
        .with("warmup_fraction", 0.0)
}

fn momo_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("beta", 0.9)
        .with("lower_bound", 0.0)
        .with("weight_decay", 0.0)
        .with("warmup_fraction", 0.0)
}

fn momo_adam_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1e-2)
        .with("b1", 0.9)
        .with("b2", 0.999)
        .with("eps", 1e-8)
        .with("lower_bound", 0.0)
        .with("weight_decay", 0.0)
        .with("warmup_fraction", 0.0)
}

fn schedule_free_adamw_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 0.0025)
        .with("b1", 0.9)
        .with("b2", 0.999)
        .with("eps", 1e-8)
        .with("weight_decay", 0.0)
        .with("weight_lr_power", 2.0)
        .with("warmup_fraction", 0.0)
        .with("decay", "constant")
}

fn mechanic_literature() -> Hyperparams {
    Hyperparams::new()
        .with("learning_rate", 1.0)
        .with("base", "adamw")
        .with("base_b1", 0.9)
        .with("base_b2", 0.999)
        .with("base_eps", 1e-8)
        .with("base_weight_decay", 0.0)
        .with("weight_decay", 1e-2)
        .with("eps", 1e-8)
        .with("s_init", 1e-6)
        .with("num_betas", 6.0)
        .with("warmup_fraction", 0.0)
}

/// Every optimizer the crate offers.
pub static ALGORITHMS: &[AlgorithmInfo] = &[
    AlgorithmInfo {
        name: "adamw",
        summary: "AdamW with decoupled weight decay (optax.adamw, the AlgoPerf AdamW baseline)",
        learning_rate_free: false,
        literature: adamw_literature,
        source:
            "torch.optim.AdamW defaults (lr 1e-3, weight decay 1e-2); 5% linear warmup + cosine \
                 decay as in AlgoPerf's archived AdamW baseline",
        build: |h| Ok(Box::new(AdamWConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "nadamw",
        summary: "NAdamW as in the AlgoPerf baseline (jax_nadamw_full_budget.py)",
        learning_rate_free: false,
        literature: nadamw_literature,
        source: "AlgoPerf self-tuning NAdamW baseline HPARAMS \
                 (algorithms/baselines/self_tuning/jax_nadamw_full_budget.py)",
        build: |h| Ok(Box::new(NAdamWConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "prodigy",
        summary:
            "Prodigy, one global step size d (optax.contrib.prodigy; flavor: torch for prodigyopt)",
        learning_rate_free: true,
        literature: prodigy_literature,
        source:
            "optax.contrib.prodigy / prodigyopt defaults; no warmup, cosine decay (Prodigy README)",
        build: |h| Ok(Box::new(ProdigyConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "dadapt_adamw",
        summary: "D-Adaptation AdamW, one global step size d (optax.contrib.dadapt_adamw; flavor: torch for DAdaptAdam)",
        learning_rate_free: true,
        literature: dadapt_adamw_literature,
        source: "optax.contrib.dadapt_adamw / dadaptation defaults (d0 1e-6, no weight decay)",
        build: |h| Ok(Box::new(DAdaptAdamWConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "dog",
        summary: "DoG, distance over gradients, one global step size, iterate averaging γ=8 (optax.contrib.dog)",
        learning_rate_free: true,
        literature: dog_literature,
        source: "optax.contrib.dog / dog-optimizer defaults (reps_rel 1e-6), PolynomialDecayAverager(γ=8) \
                 as the DoG README prescribes",
        build: |h| Ok(Box::new(DogConfig::from_hparams(h, false)?.init()?)),
    },
    AlgorithmInfo {
        name: "ldog",
        summary: "L-DoG, DoG with one step size per parameter tensor (dog-optimizer LDoG)",
        learning_rate_free: true,
        literature: ldog_literature,
        source: "dog-optimizer LDoG defaults, PolynomialDecayAverager(γ=8)",
        build: |h| Ok(Box::new(DogConfig::from_hparams(h, true)?.init()?)),
    },
    AlgorithmInfo {
        name: "dowg",
        summary: "DoWG, distance over weighted gradients (optax.contrib.dowg)",
        learning_rate_free: true,
        literature: dowg_literature,
        source: "optax.contrib.dowg defaults (eps 1e-4, r̄²₀ = eps)",
        build: |h| Ok(Box::new(DowgConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "cocob",
        summary: "COCOB-Backprop, per-coordinate coin betting (optax.contrib.cocob)",
        learning_rate_free: true,
        literature: cocob_literature,
        source: "optax.contrib.cocob / parameterfree defaults (alpha 100, eps 1e-8)",
        build: |h| Ok(Box::new(CocobConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "mechanic",
        summary: "Mechanic, a learned scale around a base optimizer (default Adam, lr 1) (optax.contrib.mechanize)",
        learning_rate_free: true,
        literature: mechanic_literature,
        source: "optax.contrib.mechanize defaults (λ 0.01, s_init 1e-6, 6 betas) around Adam with peak lr 1 \
                 (mechanic README)",
        build: |h| Ok(Box::new(MechanicConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "momo",
        summary: "MoMo, momentum with a Polyak step capped by lr; needs the loss (optax.contrib.momo)",
        learning_rate_free: true,
        literature: momo_literature,
        source: "optax.contrib.momo / momo-opt defaults (lr 1, beta 0.9, lower bound 0)",
        build: |h| Ok(Box::new(MomoConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "momo_adam",
        summary: "MoMo-Adam, Adam with a Polyak step capped by lr; needs the loss (optax.contrib.momo_adam)",
        learning_rate_free: true,
        literature: momo_adam_literature,
        source: "optax.contrib.momo_adam / momo-opt MomoAdam defaults (lr 1e-2, betas 0.9/0.999)",
        build: |h| Ok(Box::new(MomoAdamConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "schedule_free_adamw",
        summary: "Schedule-Free AdamW: no decay schedule, evaluated at the averaged x (optax.contrib.schedule_free_adamw)",
        learning_rate_free: false,
        literature: schedule_free_adamw_literature,
        source: "optax.contrib.schedule_free_adamw / schedulefree defaults (lr 0.0025, betas 0.9/0.999, \
                 weight_lr_power 2), constant learning rate",
        build: |h| Ok(Box::new(ScheduleFreeAdamWConfig::from_hparams(h)?.init()?)),
    },
    AlgorithmInfo {
        name: "sgd_nesterov",
        summary: "SGD with Nesterov momentum and L2 weight decay (the AlgoPerf baseline)",
        learning_rate_free: false,
        literature: sgd_nesterov_literature,
        source: "momentum 0.9 (Sutskever et al. 2013), lr 0.1 (He et al. 2016), 5% warmup as in \
                 AlgoPerf's Nesterov baseline",
        build: |h| Ok(Box::new(SgdNesterovConfig::from_hparams(h)?.init()?)),
    },
];

/// The table row of `name`.
pub fn algorithm(name: &str) -> Result<&'static AlgorithmInfo> {
    ALGORITHMS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| OptimError::UnknownOptimizer(name.to_string(), algorithm_names().join(", ")))
}

/// Names of every optimizer, in table order.
pub fn algorithm_names() -> Vec<&'static str> {
    ALGORITHMS.iter().map(|a| a.name).collect()
}
