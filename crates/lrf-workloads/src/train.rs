//! The training loop of every trial, AlgoPerf's `train_once` with a step-based evaluation
//! period: timed steps (data selection + forward + backward + update), untimed evaluations,
//! logs written after every evaluation.

use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::Device;
use lrf_optim::{ModuleOptimizer, StepContext};

use crate::error::Result;
use crate::eval_log::{EvalLog, EvalRow};
use crate::spec::TrialSpec;
use crate::task::Task;
use crate::workload::WorkloadInfo;

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialStatus {
    /// Ran to the horizon or stopped at the target.
    Completed,
    /// The training loss (or the validation loss) became NaN or infinite at this step.
    Diverged {
        /// Step at which it was detected.
        step: u64,
    },
}

/// What a finished trial returns (its evaluations are also in the log written on the way).
#[derive(Debug, Clone)]
pub struct TrialOutcome {
    /// Completed or diverged.
    pub status: TrialStatus,
    /// Steps run.
    pub steps_run: u64,
    /// The schedule length (horizon × budget).
    pub horizon_steps: u64,
    /// Accumulated training seconds (AlgoPerf `accumulated_submission_time`).
    pub train_seconds: f64,
    /// The evaluations.
    pub log: EvalLog,
}

/// Callback receiving the log after each evaluation (to write it).
pub type EvalSink<'a> = dyn FnMut(&EvalLog) -> Result<()> + 'a;

fn reached_strictly(value: f64, target: f64, minimize: bool) -> bool {
    if minimize {
        value < target
    } else {
        value > target
    }
}

/// Runs one trial of `task`.
pub fn run_trial<T: Task>(
    task: &mut T,
    info: &WorkloadInfo,
    spec: &TrialSpec,
    device: &Device,
    sink: &mut EvalSink<'_>,
) -> Result<TrialOutcome> {
    spec.check()?;
    device.seed(spec.seed);
    let mut model = task.init_model(device, &spec.regularization);
    let mut optim = ModuleOptimizer::new(spec.preset.build()?);
    let horizon_steps = spec.horizon_steps(info.step_budget);
    let schedule = spec.preset.schedule(horizon_steps)?;
    let peak = spec.preset.learning_rate();
    let eval_device = device.clone().inner();
    let metric_column = format!("validation/{}", info.target_metric_name);
    let started = Instant::now();
    let (mut train_s, mut eval_s, mut logging_s) = (0.0f64, 0.0f64, 0.0f64);
    let mut log = EvalLog::default();
    let mut status = TrialStatus::Completed;
    let mut step = 0u64;
    let mut last_loss = f64::NAN;
    let mut last_lr = 0.0;
    while step < horizon_steps {
        let t0 = Instant::now();
        let loss = task.train_loss(&model, device, spec.regularization.label_smoothing);
        let loss_value = loss.clone().into_scalar::<f64>();
        if !loss_value.is_finite() {
            train_s += t0.elapsed().as_secs_f64();
            status = TrialStatus::Diverged { step };
            last_loss = loss_value;
            break;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let lr = schedule.lr(peak, step);
        model = optim.step(StepContext::new(lr).with_loss(loss_value), model, grads)?;
        step += 1;
        train_s += t0.elapsed().as_secs_f64();
        last_loss = loss_value;
        last_lr = lr;
        if !step.is_multiple_of(info.eval_every) && step != horizon_steps {
            continue;
        }
        let e0 = Instant::now();
        let mut values = evaluate(task, &optim, &model, device, &eval_device);
        eval_s += e0.elapsed().as_secs_f64();
        let value = values.get(&metric_column).copied().unwrap_or(f64::NAN);
        let val_loss = values.get("validation/loss").copied().unwrap_or(f64::NAN);
        for (name, x) in optim.inner().scalars() {
            values.insert(format!("optimizer/{name}"), x);
        }
        values.insert("train/last_batch_loss".into(), loss_value);
        values.insert("train/learning_rate".into(), lr);
        push_row(&mut log, values, step, train_s, eval_s, logging_s, started);
        let l0 = Instant::now();
        sink(&log)?;
        logging_s += l0.elapsed().as_secs_f64();
        if !val_loss.is_finite() {
            status = TrialStatus::Diverged { step };
            break;
        }
        if spec.stop_at_target && reached_strictly(value, info.target, info.minimize) {
            break;
        }
    }
    if let TrialStatus::Diverged { .. } = status {
        if log.rows.last().and_then(|r| r.values.get("global_step")) != Some(&(step as f64)) {
            let e0 = Instant::now();
            let mut values = evaluate(task, &optim, &model, device, &eval_device);
            eval_s += e0.elapsed().as_secs_f64();
            values.insert("train/last_batch_loss".into(), last_loss);
            values.insert("train/learning_rate".into(), last_lr);
            push_row(&mut log, values, step, train_s, eval_s, logging_s, started);
            sink(&log)?;
        }
    }
    Ok(TrialOutcome {
        status,
        steps_run: step,
        horizon_steps,
        train_seconds: train_s,
        log,
    })
}

/// Evaluates at the optimizer's evaluation point (Schedule-Free's `x`, DoG's average), with
/// BatchNorm statistics recomputed there, or at the training parameters.
fn evaluate<T: Task>(
    task: &T,
    optim: &ModuleOptimizer,
    model: &T::Model,
    device: &Device,
    eval_device: &Device,
) -> std::collections::BTreeMap<String, f64> {
    if optim.has_eval_point() {
        let at = task.recompute_statistics(optim.eval_module(model), device);
        task.evaluate(&at.valid(), eval_device)
    } else {
        task.evaluate(&model.valid(), eval_device)
    }
}

fn push_row(
    log: &mut EvalLog,
    mut values: std::collections::BTreeMap<String, f64>,
    step: u64,
    train_s: f64,
    eval_s: f64,
    logging_s: f64,
    started: Instant,
) {
    values.insert("global_step".into(), step as f64);
    values.insert("accumulated_submission_time".into(), train_s);
    values.insert("score".into(), train_s);
    values.insert("accumulated_eval_time".into(), eval_s);
    values.insert("accumulated_logging_time".into(), logging_s);
    values.insert("preemption_count".into(), 0.0);
    values.insert("total_duration".into(), started.elapsed().as_secs_f64());
    log.rows.push(EvalRow { values });
}
