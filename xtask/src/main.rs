//! `cargo xtask`: the pipelines of lrf. Each command is thin; the logic lives in the crates.
//!
//! * `sweep`  — run an experiment (phases, trials in parallel), then score it and print results.
//! * `score`  — re-print an experiment's results from disk, or score an AlgoPerf log tree.
//! * `golden` — replay golden optimizer trajectories through lrf-optim.
//! * `targets` — set a tiny workload's target (`experiments/workload-targets.yaml`).
//! * `datasets` — check and install the Debian data packages.
//! * `bench-optim` — time every optimizer against PyTorch and a memory-bandwidth floor.

/// `println!` that ignores a closed standard output (e.g. `cargo xtask sweep | head`), so a
/// sweep keeps running when its reader goes away.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that ignores a closed standard output.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod bench_optim;
mod datasets;
mod golden;
mod job;
mod paths;
mod plan;
mod report;
mod report_page;
mod score;
mod sweep;
mod targets;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The lrf task runner.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an experiment: every phase, resuming completed trials, then score and show results.
    Sweep(sweep::SweepArgs),
    /// Show an experiment's results from disk, or score an AlgoPerf log tree.
    Score(score::ScoreArgs),
    /// Set a tiny workload's target the AlgoPerf way (a tuned NAdamW search at the full budget).
    Targets(targets::TargetsArgs),
    /// Report the Debian data packages the workloads read; install them when run as root.
    Datasets(datasets::DatasetsArgs),
    /// Time one step of every optimizer against its PyTorch reference and a memory floor.
    BenchOptim(bench_optim::BenchArgs),
    /// Replay golden trajectory files (a file or a folder) through lrf-optim in float64.
    Golden {
        /// Golden JSON files or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Run one trial from a job file (used by `sweep` for its worker processes).
    #[command(hide = true)]
    Trial {
        /// The job file.
        #[arg(long)]
        job: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sweep(args) => sweep::run(args),
        Command::Score(args) => score::run(args),
        Command::Golden { paths } => golden::run(&paths),
        Command::BenchOptim(args) => bench_optim::run(args),
        Command::Targets(args) => targets::run(args),
        Command::Datasets(args) => datasets::run(args),
        Command::Trial { job } => worker::run(&job),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
