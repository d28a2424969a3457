//! Search spaces, Sobol points and experiment files.

use lrf_search::{phase1, phase2, sobol_points, Dimension, Experiment, SearchSpace, Value};

fn space(yaml: &str) -> SearchSpace {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    SearchSpace::from_yaml(&v, "test.yaml", "search_space").unwrap()
}

fn space_err(yaml: &str) -> String {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    SearchSpace::from_yaml(&v, "test.yaml", "search_space")
        .unwrap_err()
        .to_string()
}

const SPACE: &str = "
learning_rate: {min: 1.0e-4, max: 1.0e-2, scaling: log}
weight_decay: {min: 0.0, max: 0.5, scaling: linear}
label_smoothing: {feasible_points: [0.0, 0.1, 0.2]}
safeguard_warmup: true
";

#[test]
fn dimensions_keep_file_order_and_map_coordinates_like_algoperf() {
    let s = space(SPACE);
    let names: Vec<&str> = s.dims.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "learning_rate",
            "weight_decay",
            "label_smoothing",
            "safeguard_warmup"
        ]
    );
    assert_eq!(s.random_dims(), 3);
    // log: min·exp(u·ln(max/min)); u = 0.5 gives the geometric mean 1e-3.
    let Value::Number(lr) = s.dims[0].1.at(0.5) else {
        panic!()
    };
    assert!((lr - 1e-3).abs() < 1e-15);
    // linear: min + u·(max − min) = 0 + 0.25·0.5 = 0.125.
    assert_eq!(s.dims[1].1.at(0.25), Value::Number(0.125));
    // discrete: index floor(u·3): floor(1.02) = 1 → 0.1, floor(2.997) = 2 → 0.2.
    assert_eq!(s.dims[2].1.at(0.34), Value::Number(0.1));
    assert_eq!(s.dims[2].1.at(0.999), Value::Number(0.2));
    assert_eq!(s.dims[3].1, Dimension::Fixed(Value::Bool(true)));
}

#[test]
fn sobol_points_are_deterministic_in_range_and_seeded() {
    let s = space(SPACE);
    let a = sobol_points(&s, 64, 7);
    assert_eq!(a, sobol_points(&s, 64, 7));
    assert_ne!(a, sobol_points(&s, 64, 8));
    for p in &a {
        let Value::Number(lr) = p["learning_rate"] else {
            panic!()
        };
        assert!((1e-4..=1e-2).contains(&lr));
        assert_eq!(p["safeguard_warmup"], Value::Bool(true));
    }
    // Stratification: 64 points put exactly 16 learning rates in each quarter of log-space.
    let mut quarters = [0; 4];
    for p in &a {
        let Value::Number(lr) = p["learning_rate"] else {
            panic!()
        };
        let u = (lr / 1e-4).ln() / (100.0f64).ln();
        quarters[((u * 4.0) as usize).min(3)] += 1;
    }
    assert_eq!(quarters, [16, 16, 16, 16]);
    // Each choice is drawn about equally often.
    let zeros = a
        .iter()
        .filter(|p| p["label_smoothing"] == Value::Number(0.0))
        .count();
    assert!((18..=24).contains(&zeros), "{zeros}");
}

#[test]
fn bad_search_spaces_name_the_key() {
    assert!(space_err("lr: {min: 1.0, max: 0.1, scaling: log}")
        .contains("search_space.lr: min 1 > max 0.1"));
    assert!(
        space_err("lr: {min: 0.0, max: 0.1, scaling: log}").contains("log scaling needs min > 0")
    );
    assert!(
        space_err("lr: {min: 0.1, max: 1.0, scaling: cubic}").contains("search_space.lr.scaling")
    );
    assert!(space_err("lr: {min: 0.1, max: 1.0, scale: log}").contains("unknown key scale"));
    assert!(space_err("lr: {feasible_points: []}").contains("non-empty list"));
    assert!(space_err("lr: {min: x, max: 1.0, scaling: log}")
        .contains("search_space.lr.min: expected a number"));
}

const EXPERIMENT: &str = "
name: t
workloads: [resnet_tiny]
seeds: [0, 1]
search_space:
  weight_decay: {min: 1.0e-3, max: 0.1, scaling: log}
algorithms:
  adamw:
    search_space:
      learning_rate: {min: 1.0e-4, max: 1.0e-2, scaling: log}
  prodigy:
    overrides: {d_coef: 0.5}
phase2:
  points: 3
  horizons: [0.5, 1.0]
";

#[test]
fn experiments_plan_phases() {
    let exp = Experiment::from_yaml_str(EXPERIMENT, "t.yaml").unwrap();
    let p1 = phase1(&exp);
    assert_eq!(p1.len(), 2 * 2, "2 algorithms x 1 workload x 2 seeds");
    assert_eq!(
        p1[0].relative_dir(),
        "phase1/adamw/defaults/study_0/resnet_tiny_lrf/trial_1"
    );
    let p2 = phase2(&exp).unwrap();
    assert_eq!(
        p2.len(),
        2 * 3 * 2 * 2,
        "2 algorithms x 3 points x 2 horizons x 2 seeds"
    );
    assert!(p2.iter().any(|t| t.config == "p002-h0.50"));
    let prodigy = p2.iter().find(|t| t.algorithm == "prodigy").unwrap();
    assert_eq!(prodigy.overrides["d_coef"], Value::Number(0.5));
    assert!(prodigy.overrides.contains_key("weight_decay"));
    assert!(!prodigy.overrides.contains_key("learning_rate"));
    let adamw = p2.iter().find(|t| t.algorithm == "adamw").unwrap();
    assert!(adamw.overrides.contains_key("learning_rate"));
}

#[test]
fn malformed_experiments_name_the_file_and_line_or_key() {
    // EXPERIMENT opens with a newline, so `seeds:` is on line 4.
    let err = Experiment::from_yaml_str(&EXPERIMENT.replace("seeds:", "seedz:"), "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("e.yaml:")
            && err.contains("unknown field `seedz`")
            && err.contains("line 4"),
        "{err}"
    );
    let err = Experiment::from_yaml_str(&EXPERIMENT.replace("[0.5, 1.0]", "[0.5, 1.5]"), "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("phase2.horizons: 1.5"), "{err}");
    let err = Experiment::from_yaml_str(&EXPERIMENT.replace("max: 0.1", "max: -0.1"), "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("search_space.weight_decay"), "{err}");
    let err = Experiment::from_yaml_str("name: [x\n", "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("e.yaml:") && err.contains("line"), "{err}");
    let err = Experiment::from_yaml_str(&EXPERIMENT.replace("name: t", "name: a/b"), "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("name: `a/b`"), "{err}");
}

#[test]
fn names_duplicates_and_empty_plans_are_rejected() {
    let bad = |from: &str, to: &str| {
        Experiment::from_yaml_str(&EXPERIMENT.replacen(from, to, 1), "e.yaml")
            .unwrap_err()
            .to_string()
    };
    assert!(bad("name: t", "name: ..").contains("name: `..` must start with a letter or digit"));
    assert!(bad("name: t", "name: .").contains("must start with a letter or digit"));
    assert!(bad("seeds: [0, 1]", "seeds: [0, 0]").contains("seeds: 0 is listed twice"));
    assert!(bad("[resnet_tiny]", "[resnet_tiny, resnet_tiny]")
        .contains("`resnet_tiny` is listed twice"));
    assert!(bad("[0.5, 1.0]", "[0.5, 0.5]").contains("phase2.horizons: 0.5 is listed twice"));
    let err = bad("  prodigy:\n", "  adamw:\n");
    assert!(err.contains("duplicate key `adamw`"), "{err}");
    let err = bad(
        "overrides: {d_coef: 0.5}",
        "overrides: {d_coef: 0.5, d_coef: 2.0}",
    );
    assert!(err.contains("duplicate key `d_coef`"), "{err}");
    let off = EXPERIMENT.replace(
        "phase2:\n",
        "phase1: {enabled: false}\nphase2:\n  enabled: false\n",
    );
    let err = Experiment::from_yaml_str(&off, "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("both disabled"), "{err}");
}

#[test]
fn a_byte_order_mark_is_ignored_and_horizon_names_are_exact() {
    let exp = Experiment::from_yaml_str(&format!("\u{feff}{EXPERIMENT}"), "bom.yaml").unwrap();
    assert_eq!(exp.name, "t");
    assert_eq!(lrf_search::plan::point_config(3, 0.5), "p003-h0.50");
    assert_eq!(lrf_search::plan::point_config(3, 0.051), "p003-h0.051");
    assert_ne!(
        lrf_search::plan::point_config(0, 0.051),
        lrf_search::plan::point_config(0, 0.054)
    );
}

#[test]
fn huge_plans_are_refused() {
    let huge = EXPERIMENT.replace("points: 3", "points: 60000").replace(
        "seeds: [0, 1]",
        &format!("seeds: {:?}", (0..20).collect::<Vec<u64>>()),
    );
    let err = Experiment::from_yaml_str(&huge, "e.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than the 1000000"), "{err}");
}
