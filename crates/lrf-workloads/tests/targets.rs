//! The reviewed target file `experiments/workload-targets.yaml`: it parses, every registered
//! workload has a target set by the procedure, and malformed entries are refused.

use lrf_workloads::targets::{median, target_file, TargetFile};
use lrf_workloads::{workload, workload_names};

#[test]
fn every_workload_has_a_target_set_by_the_procedure() {
    let file = target_file();
    for name in workload_names() {
        let record = file
            .workloads
            .get(name)
            .unwrap_or_else(|| panic!("{name} has no entry"));
        assert!(record.is_set(), "{name}: target not set");
        // The target is the median of the per-seed best values (checked at parse time too).
        assert_eq!(record.target, median(&record.best_per_seed), "{name}");
        assert!(workload(name)
            .unwrap()
            .info()
            .target_provenance
            .contains("median over seeds"));
    }
    // What each workload reports, against the values reviewed in
    // experiments/workload-targets.yaml (typed here, so an unreviewed change to the file or a
    // workload that ignores it fails): (target, step budget, eval every).
    let reviewed = [
        ("resnet_tiny", 0.852, 300, 25),
        ("vit_tiny", 0.7895, 300, 25),
        ("transformer_tiny", 0.5211854337342919, 1000, 200),
        ("unet_tiny", 0.6698767437875819, 300, 50),
    ];
    assert_eq!(workload_names().len(), reviewed.len());
    for (name, target, budget, eval_every) in reviewed {
        let info = workload(name).unwrap().info().clone();
        assert_eq!(
            (info.target, info.step_budget, info.eval_every),
            (target, budget, eval_every),
            "{name}"
        );
    }
    for name in file.workloads.keys() {
        assert!(workload(name).is_ok(), "entry {name} names no workload");
    }
}

#[test]
fn median_by_hand() {
    assert_eq!(
        median(&[0.863, 0.8445, 0.845, 0.8525]),
        (0.845 + 0.8525) / 2.0
    );
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert!(median(&[]).is_nan());
}

const PROCEDURE: &str = "procedure:
  algorithm: nadamw
  points: 4
  seeds: [0, 1, 2]
  search_space:
    learning_rate: {min: 1.0e-3, max: 3.0e-2, scaling: log}
";

fn parse(workloads: &str) -> Result<TargetFile, String> {
    TargetFile::parse(&format!("{PROCEDURE}workloads:\n{workloads}"), "t.yaml")
}

#[test]
fn a_new_workload_may_have_only_its_budget() {
    let file = parse("  w:\n    step_budget: 10\n    eval_every: 5\n").unwrap();
    assert!(!file.workloads["w"].is_set());
}

#[test]
fn malformed_entries_are_refused_with_the_key() {
    let full = |target: &str, best: &str| {
        format!(
            "  w:\n    target: {target}\n    step_budget: 10\n    eval_every: 5\n    \
             set: today\n    tuned: {{learning_rate: 0.01}}\n    best_per_seed: {best}\n"
        )
    };
    assert!(parse(&full("0.5", "[0.4, 0.5, 0.6]")).is_ok());
    let err = parse(&full("0.6", "[0.4, 0.5, 0.6]")).unwrap_err();
    assert!(
        err.contains("t.yaml: workloads.w") && err.contains("median"),
        "{err}"
    );
    let err = parse(&full("0.5", "[0.5]")).unwrap_err();
    assert!(err.contains("best_per_seed: 1 values for 3 seeds"), "{err}");
    let err = parse("  w:\n    step_budget: 0\n    eval_every: 5\n").unwrap_err();
    assert!(
        err.contains("workloads.w") && err.contains("step_budget"),
        "{err}"
    );
    let err = parse("  w:\n    step_budget: 10\n    eval_every: 5\n    best_per_seed: [1, 2, 3]\n")
        .unwrap_err();
    assert!(err.contains("without a `target`"), "{err}");
    let err = parse("  w:\n    step_budget: 10\n    eval_every: 5\n    budget: 3\n").unwrap_err();
    assert!(err.contains("t.yaml") && err.contains("budget"), "{err}");
}
