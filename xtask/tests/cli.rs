//! The xtask commands end to end, as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `cargo xtask <args> <experiment>` with results under `results`.
fn run_on(args: &[&str], experiment: &Path, results: &Path) -> Output {
    xtask()
        .args(args)
        .arg(experiment)
        .env("LRF_RESULTS_DIR", results)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn golden_prints_a_line_per_file_and_a_total() {
    let dir = tempfile::tempdir().unwrap();
    let golden = root().join("crates/lrf-optim/tests/golden");
    std::fs::copy(
        golden.join("prodigy__optax__quadratic-default.json"),
        dir.path().join("prodigy__optax__quadratic-default.json"),
    )
    .unwrap();
    let sliced = std::fs::read_to_string(golden.join("prodigy__torch__replay-default.json"))
        .unwrap()
        .replace("\"slice_p\":1", "\"slice_p\":4");
    std::fs::write(
        dir.path().join("prodigy__torch__replay-sliced.json"),
        sliced,
    )
    .unwrap();
    let out = xtask().arg("golden").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout.contains("PASS prodigy__optax__quadratic-default.json"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "SKIP prodigy__torch__replay-sliced.json  (slice_p = 4 is an option lrf-optim does not offer)"
        ),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        "1 passed, 0 failed, 1 skipped"
    );

    // A perturbed file fails and the command exits non-zero.
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(golden.join("adamw__torch__quadratic-default.json")).unwrap(),
    )
    .unwrap();
    doc["steps"][3]["params"]["w2"][1] = serde_json::json!(123.0);
    std::fs::write(
        dir.path().join("adamw__torch__quadratic-default.json"),
        doc.to_string(),
    )
    .unwrap();
    let out = xtask().arg("golden").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("FAIL adamw__torch__quadratic-default.json")
            && stdout.contains("first failing step 3"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        "1 passed, 1 failed, 1 skipped"
    );
}

#[test]
fn score_reproduces_algoperf_v06() {
    let fixtures = root().join("crates/lrf-score/tests/fixtures/algoperf-scoring");
    let out_dir = tempfile::tempdir().unwrap();
    let out = xtask()
        .args(["score", "--algoperf-logs"])
        .arg(fixtures.join("v06_external"))
        .arg("--targets")
        .arg(fixtures.join("targets_v06_8wl.json"))
        .arg("--out")
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let got = std::fs::read_to_string(out_dir.path().join("scores.csv")).unwrap();
    let want = std::fs::read_to_string(fixtures.join("v06_external/expected/scores.csv")).unwrap();
    let parse = |s: &str| -> Vec<(String, f64)> {
        s.lines()
            .skip(1)
            .map(|l| {
                let (n, v) = l.split_once(',').unwrap();
                (n.to_string(), v.parse().unwrap())
            })
            .collect()
    };
    for ((n1, a), (n2, b)) in parse(&got).iter().zip(parse(&want)) {
        assert_eq!(n1, &n2);
        assert!((a - b).abs() < 1e-9, "{n1}: {a} vs {b}");
    }
    let ttt = std::fs::read_to_string(out_dir.path().join("time_to_targets.csv")).unwrap();
    let ttt_want =
        std::fs::read_to_string(fixtures.join("v06_external/expected/time_to_targets.csv"))
            .unwrap();
    assert_eq!(
        ttt, ttt_want,
        "time-to-target matrix written exactly as AlgoPerf writes it"
    );
}

#[test]
fn a_malformed_experiment_is_one_line_naming_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "name: bad\nworkloads: [resnet_tiny]\nalgorithms:\n  adamw: {}\nphase2:\n  pointz: 3\n",
    )
    .unwrap();
    let out = xtask()
        .args(["sweep", "--experiment"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.yaml")
            && stderr.contains("unknown field `pointz`")
            && stderr.contains("line 6"),
        "{stderr}"
    );

    std::fs::write(
        &path,
        "name: bad\nworkloads: [resnet_tiny]\nalgorithms:\n  adamx: {}\n",
    )
    .unwrap();
    let out = xtask()
        .args(["sweep", "--experiment"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml: algorithms.adamx: unknown optimizer `adamx`"),
        "{stderr}"
    );
}

/// Hyperparameter problems are found before anything runs, at the key that causes them.
#[test]
fn hyperparameter_problems_name_the_key_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hp.yaml");
    let cases = [
        (
            "search_space:\n  label_smoothing: {min: 0.5, max: 1.5, scaling: linear}\n",
            "hp.yaml: search_space.label_smoothing: label_smoothing = 1.5",
        ),
        (
            "search_space:\n  one_minus_b1: {min: 0.01, max: 1.5, scaling: log}\n",
            "search_space.one_minus_b1: invalid hyperparameter `one_minus_b1` = 1.5",
        ),
        (
            "search_space:\n  learning_rate: {feasible_points: [\"1e-3\"]}\n",
            "search_space.learning_rate: invalid hyperparameter `learning_rate` = 1e-3: expected a number",
        ),
        ("phase2: {enabled: false}\nalgorithms:\n  adamw:\n    overrides: {learning_rate: \"0.001\"}\n", "algorithms.adamw.overrides.learning_rate"),
    ];
    for (extra, want) in cases {
        let body = if extra.contains("algorithms:") {
            format!("name: hp\nworkloads: [resnet_tiny]\n{extra}")
        } else {
            format!("name: hp\nworkloads: [resnet_tiny]\nalgorithms:\n  adamw: {{}}\n{extra}")
        };
        std::fs::write(&path, body).unwrap();
        let out = xtask()
            .args(["sweep", "--experiment"])
            .arg(&path)
            .env("LRF_RESULTS_DIR", dir.path().join("results"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(want), "want `{want}` in: {stderr}");
        assert!(!dir.path().join("results").exists(), "nothing ran");
    }
    std::fs::write(
        &path,
        "name: hp\nworkloads: [resnet_tiny]\nalgorithms:\n  adamw: {}\nphase2: {enabled: false}\n",
    )
    .unwrap();
    let out = xtask()
        .args(["sweep", "--phase", "2", "--experiment"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--phase 2: phase2 is disabled"));
}

const TINY: &str = "
name: e2e
workloads: [resnet_tiny]
seeds: [0]
search_space:
  weight_decay: {min: 1.0e-3, max: 0.1, scaling: log}
algorithms:
  nadamw:
    search_space:
      learning_rate: {min: 1.0e-3, max: 3.0e-3, scaling: log}
  prodigy: {}
phase1:
  enabled: true
phase2:
  points: 2
  horizons: [0.1]
phase3:
  enabled: true
  top_k: 1
  seeds: [0, 1]
";

#[test]
fn a_corrupt_dataset_stops_the_sweep_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fmnist");
    std::fs::create_dir(&data).unwrap();
    for f in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::copy(root().join("datasets/fashion-mnist").join(f), data.join(f)).unwrap();
    }
    let images = data.join("train-images-idx3-ubyte.gz");
    let bytes = std::fs::read(&images).unwrap();
    std::fs::write(&images, &bytes[..bytes.len() / 3]).unwrap();
    let exp = dir.path().join("e.yaml");
    std::fs::write(&exp, TINY).unwrap();
    let out = xtask()
        .args(["sweep", "--experiment"])
        .arg(&exp)
        .env("LRF_FASHION_MNIST_DIR", &data)
        .env("LRF_RESULTS_DIR", dir.path().join("results"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("train-images-idx3-ubyte.gz") && stderr.contains("gzip"),
        "{stderr}"
    );
}

/// A sweep on `workload` with the data variable `var` pointing at nothing: one line that names
/// the missing file and the Debian package to install.
fn missing_data(workload: &str, var: &str, package: &str) {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("e.yaml");
    std::fs::write(
        &exp,
        format!("name: missing\nworkloads: [{workload}]\nalgorithms:\n  nadamw: {{}}\nphase2:\n  enabled: false\n"),
    )
    .unwrap();
    let out = xtask()
        .args(["sweep", "--experiment"])
        .arg(&exp)
        .env(var, dir.path().join("nowhere"))
        .env("LRF_RESULTS_DIR", dir.path().join("results"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("nowhere") && stderr.contains(&format!("apt-get install {package}")),
        "{stderr}"
    );
    assert!(!dir.path().join("results/missing/phase1").exists());
}

#[test]
fn a_missing_data_package_is_one_line_naming_it() {
    missing_data("transformer_tiny", "LRF_DING_FILE", "trans-de-en");
    missing_data("unet_tiny", "LRF_MRICRON_DIR", "mricron-data");
}

#[test]
fn the_workload_smoke_test_plans_five_seeds_per_tiny_workload() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_on(
        &["sweep", "--dry-run", "--experiment"],
        &root().join("experiments/workloads-smoke.yaml"),
        &dir.path().join("results"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // experiments/workloads-smoke.yaml: nadamw at one preset, 4 tiny workloads, seeds 0‥4.
    assert!(stdout.contains("total: 20 trials"), "{stdout}");
    assert!(
        stdout.contains("1 algorithms x 4 workloads x 5 seeds"),
        "{stdout}"
    );
}

/// A search space with 2 distinct configurations (label smoothing 0 or 0.1) cannot give 5
/// distinct points; more workers than cores slow every trial. Both are said, not refused.
#[test]
fn a_plan_with_repeated_points_or_too_many_workers_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("rep.yaml");
    std::fs::write(
        &exp,
        "name: rep\nworkloads: [resnet_tiny]\nsearch_space:\n  \
         label_smoothing: {feasible_points: [0.0, 0.1]}\nalgorithms:\n  nadamw: {}\n\
         phase2: {points: 5}\n",
    )
    .unwrap();
    let out = run_on(
        &["sweep", "--dry-run", "--workers", "1000", "--experiment"],
        &exp,
        &dir.path().join("results"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("nadamw's search space has 2 distinct configuration(s), so 3 of its 5")
            && stdout.contains("note: 1000 workers on"),
        "{stdout}"
    );
}

#[test]
fn the_paper_protocol_dry_run_prints_every_phase() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_on(
        &["sweep", "--dry-run", "--experiment"],
        &root().join("experiments/paper-tiny.yaml"),
        &dir.path().join("results"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // experiments/paper-tiny.yaml: 13 algorithms, 4 workloads; phase 1 with 5 seeds = 260;
    // phase 2: 200 points x 3 horizons x 1 seed = 600 per algorithm and workload = 31200;
    // phase 3: top 3 x 5 seeds = 15 per algorithm and workload = 780; 32240 in all.
    assert!(!stdout.contains("note:"), "{stdout}");
    for want in [
        "phase 1:    260 trials (13 algorithms x 4 workloads x 5 seeds",
        "phase 2:  31200 trials (13 algorithms x 200 points x 3 horizons x 4 workloads x 1 seeds)",
        "phase 3:    780 trials (13 algorithms x top 3 configurations x 4 workloads x 5 seeds",
        "total: 32240 trials, estimated",
        "CPU-hours",
    ] {
        assert!(stdout.contains(want), "want `{want}` in:\n{stdout}");
    }
    // --points/--seeds/--top-k replace the file's values; --phase 3 plans phase 3 alone.
    let out = run_on(
        &[
            "sweep",
            "--dry-run",
            "--points",
            "4",
            "--seeds",
            "2",
            "--top-k",
            "1",
            "--phase",
            "3",
            "--experiment",
        ],
        &root().join("experiments/paper-tiny.yaml"),
        &dir.path().join("results"),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    // 13 x top 1 x 4 x 2 seeds = 104.
    assert!(
        stdout.contains("phase 3:    104 trials") && !stdout.contains("phase 1:"),
        "{stdout}"
    );
    // Running phase 3 before phase 2 is refused with the reason.
    let out = run_on(
        &["sweep", "--phase", "3", "--points", "1", "--experiment"],
        &root().join("experiments/paper-tiny-subset.yaml"),
        &dir.path().join("results"),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--phase 3") && stderr.contains("phase-2 trials are not complete"),
        "{stderr}"
    );
}

/// The whole pipeline on a small experiment: 2 phase-1 trials, 4 phase-2 trials and 4 phase-3
/// trials on two workers; a second run skips them all; `score` re-prints the table from disk.
#[test]
fn sweep_runs_resumes_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("e2e.yaml");
    std::fs::write(&exp, TINY).unwrap();
    let results = dir.path().join("results");
    let sweep = || run_on(&["sweep", "--workers", "2", "--experiment"], &exp, &results);
    // TINY: phases 1 and 2 are 2 algorithms x (1 default + 2 points x 1 horizon) x 1 workload
    // x 1 seed = 6 trials; phase 3 is 2 algorithms x top 1 x 1 workload x 2 seeds = 4.
    let out = sweep();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("6 trials, 0 already complete, 6 to run"),
        "{stdout}"
    );
    assert!(
        stdout.contains("literature defaults") && stdout.contains("benchmark"),
        "{stdout}"
    );
    let scores = results.join("e2e/scores");
    for f in [
        "table.txt",
        "scores.csv",
        "time_to_targets.csv",
        "performance_profile.svg",
        "trials.parquet",
    ] {
        assert!(scores.join(f).is_file(), "{f} missing");
    }
    let svg = std::fs::read_to_string(scores.join("performance_profile.svg")).unwrap();
    assert!(
        svg.contains("<polyline") || svg.contains("<path"),
        "the plot has curves"
    );
    assert!(
        svg.contains("prodigy (literature defaults)"),
        "the plot has a legend"
    );
    let csv = results
        .join("e2e/phase1/prodigy/defaults/study_0/resnet_tiny_lrf/trial_1/eval_measurements.csv");
    assert!(csv.is_file());
    // Phase 3: the best searched configuration of each algorithm, seeds 0 and 1.
    assert!(
        stdout.contains("phase 3: experiment `e2e`")
            && stdout.contains("4 trials, 0 already complete, 4 to run"),
        "{stdout}"
    );
    assert!(stdout.contains("95% bootstrap interval"), "{stdout}");
    let phase3 = std::fs::read_dir(results.join("e2e/phase3/nadamw"))
        .unwrap()
        .count();
    assert_eq!(phase3, 1, "top_k 1: one configuration retrained");
    let report = results.join("e2e/report");
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    for want in [
        "Table 4",
        "Table 5",
        "Table 6",
        "Time-to-target per workload",
        "Search cost",
        "src=\"performance_profile.svg\"",
        "src=\"curves_resnet_tiny.svg\"",
    ] {
        assert!(html.contains(want), "report lacks {want}");
    }
    for f in ["performance_profile.svg", "curves_resnet_tiny.svg"] {
        let svg = std::fs::read_to_string(report.join(f)).unwrap();
        assert!(
            svg.contains("<polyline") || svg.contains("<path"),
            "{f} has curves"
        );
    }
    let calibrated = std::fs::read_to_string(report.join("calibrated.yaml")).unwrap();
    assert!(
        calibrated.contains("nadamw:\n  algorithm: nadamw")
            && calibrated.contains("source: phase3/prodigy/p00"),
        "{calibrated}"
    );
    // calibrated.yaml as the preset of another experiment: its phase 1 trains the calibrated
    // configuration as phase 3 did (same optimizer hyperparameters, horizon, regularisation).
    std::fs::write(dir.path().join("calibrated.yaml"), &calibrated).unwrap();
    let reuse = dir.path().join("reuse.yaml");
    std::fs::write(
        &reuse,
        "name: e2e-reuse\nworkloads: [resnet_tiny]\nseeds: [0]\nalgorithms:\n  \
         nadamw: {preset: calibrated.yaml}\nphase2: {enabled: false}\n",
    )
    .unwrap();
    let out = run_on(&["sweep", "--experiment"], &reuse, &results);
    assert!(out.status.success(), "{}", text(&out));
    let source = calibrated
        .split("nadamw:")
        .nth(1)
        .and_then(|e| e.split("source: ").nth(1))
        .and_then(|s| s.lines().next())
        .unwrap()
        .to_string();
    let job = |path: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let tuned = job(results.join(format!(
        "e2e/{source}/study_0/resnet_tiny_lrf/trial_1/job.json"
    )));
    let reused =
        job(results
            .join("e2e-reuse/phase1/nadamw/defaults/study_0/resnet_tiny_lrf/trial_1/job.json"));
    for key in ["preset", "horizon", "label_smoothing", "dropout"] {
        assert_eq!(tuned[key], reused[key], "{key}");
    }
    assert_eq!(reused["horizon"], serde_json::json!(0.1));

    let again = sweep();
    assert!(again.status.success(), "{}", text(&again));
    let again_out = String::from_utf8_lossy(&again.stdout);
    assert!(
        again_out.contains("6 trials, 6 already complete, 0 to run")
            && again_out.contains("4 trials, 4 already complete, 0 to run"),
        "{again_out}"
    );

    // `--phase` limits what runs, not what is scored: the retrained configurations stay.
    let out = run_on(
        &["sweep", "--phase", "1", "--top-k", "1", "--experiment"],
        &exp,
        &results,
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("calibrated (retrained)") && !stdout.contains("best of 2"),
        "{stdout}"
    );
    // `score` without flags scores the plan of the last sweep, and says so.
    let out = run_on(&["score", "--experiment"], &exp, &results);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("scoring with the flags of the last sweep of `e2e`: --top-k 1"),
        "{}",
        text(&out)
    );

    let table_before = std::fs::read_to_string(scores.join("table.txt")).unwrap();

    // The same experiment on other data (one training label changed) is refused: completed
    // trials are never mixed with trials on other data, and nothing is overwritten.
    let other = dir.path().join("other-fmnist");
    std::fs::create_dir(&other).unwrap();
    for f in [
        "train-images-idx3-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::copy(root().join("datasets/fashion-mnist").join(f), other.join(f)).unwrap();
    }
    let gz =
        std::fs::read(root().join("datasets/fashion-mnist/train-labels-idx1-ubyte.gz")).unwrap();
    let mut labels = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.as_slice()),
        &mut labels,
    )
    .unwrap();
    labels[8] = (labels[8] + 1) % 10; // the first label (after the 8-byte IDX header)
                                      // Not gzipped: the loader reads both forms.
    std::fs::write(other.join("train-labels-idx1-ubyte.gz"), &labels).unwrap();
    let out = xtask()
        .args(["sweep", "--experiment"])
        .arg(&exp)
        .env("LRF_RESULTS_DIR", &results)
        .env("LRF_FASHION_MNIST_DIR", &other)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("trained on other data") && stderr.contains("Nothing was overwritten"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(scores.join("table.txt")).unwrap(),
        table_before
    );
    let out = run_on(&["score", "--experiment"], &exp, &results);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(table_before.lines().nth(3).unwrap()));

    // Fewer points: the trials no longer planned are left out of the scores, and said so.
    std::fs::write(&exp, TINY.replace("points: 2", "points: 1")).unwrap();
    let out = run_on(&["score", "--experiment"], &exp, &results);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    // Dropping point p001 leaves out 2 algorithms × 1 point × 1 horizon × 1 seed = 2 phase-2
    // trials, plus the phase-3 retrains of p001 where it had been the best.
    // The one point left, p000, is each algorithm's calibrated configuration: retrained if
    // it was already the best of two, else the searched one ("best of 1").
    assert!(
        stdout.contains("completed trial(s)")
            && (stdout.contains("best of 1") || stdout.contains("calibrated (retrained): p000")),
        "{stdout}"
    );

    // Another sweep of the same experiment is refused while one holds the lock.
    let lock = std::fs::File::open(results.join("e2e/.sweep.lock")).unwrap();
    lock.try_lock().unwrap();
    std::fs::write(&exp, TINY).unwrap();
    let out = sweep();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another `cargo xtask sweep` is running"),
        "{}",
        text(&out)
    );
    lock.unlock().unwrap();

    // Changing the experiment under the same name is refused, nothing is overwritten.
    std::fs::write(&exp, TINY.replace("max: 0.1", "max: 0.2")).unwrap();
    let out = sweep();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("was run with other settings"),
        "{}",
        text(&out)
    );
    // `score` refuses it too, before rewriting the scores or the report.
    let report_before = std::fs::read_to_string(report.join("index.html")).unwrap();
    let out = run_on(&["score", "--experiment"], &exp, &results);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("was run with other settings"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(report.join("index.html")).unwrap(),
        report_before
    );
}
