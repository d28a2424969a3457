//! Search spaces, Sobol points and experiment files.

use lrf_search::{phase1, phase2, sobol_points, Dimension, Experiment, SearchSpace, Value};

fn space(yaml: &str) -> SearchSpace {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    SearchSpace::from_yaml(&v, "test.yaml", "search_space").unwrap()
}

/// The error of experiment file `e.yaml` holding `text`.
fn experiment_err(text: &str) -> String {
    Experiment::from_yaml_str(text, "e.yaml")
        .unwrap_err()
        .to_string()
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
    let err = experiment_err(&EXPERIMENT.replace("seeds:", "seedz:"));
    assert!(
        err.starts_with("e.yaml:")
            && err.contains("unknown field `seedz`")
            && err.contains("line 4"),
        "{err}"
    );
    let err = experiment_err(&EXPERIMENT.replace("[0.5, 1.0]", "[0.5, 1.5]"));
    assert!(err.contains("phase2.horizons: 1.5"), "{err}");
    let err = experiment_err(&EXPERIMENT.replace("max: 0.1", "max: -0.1"));
    assert!(err.contains("search_space.weight_decay"), "{err}");
    let err = experiment_err("name: [x\n");
    assert!(err.starts_with("e.yaml:") && err.contains("line"), "{err}");
    let err = experiment_err(&EXPERIMENT.replace("name: t", "name: a/b"));
    assert!(err.contains("name: `a/b`"), "{err}");
    // An override must be a scalar; `overrides: {d_coef: …}` is on line 12.
    let err = Experiment::from_yaml_str(
        &EXPERIMENT.replace("d_coef: 0.5", "d_coef: [0.5]"),
        "e.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("expected a number, true/false or a word") && err.contains("line 12"),
        "{err}"
    );
}

#[test]
fn names_duplicates_and_empty_plans_are_rejected() {
    let bad = |from: &str, to: &str| experiment_err(&EXPERIMENT.replacen(from, to, 1));
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
    let err = experiment_err(&off);
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
    let err = experiment_err(&huge);
    assert!(err.contains("more than the 1000000"), "{err}");
}

#[test]
fn protocol_defaults_are_the_papers() {
    // The defaults: 200 points, horizons 0.33/0.5/0.66, 5 retrain seeds; phase 3 is
    // off unless asked for, top 3 when on.
    let exp = Experiment::from_yaml_str(
        "name: d\nworkloads: [w]\nalgorithms: {adamw: {}}\n",
        "d.yaml",
    )
    .unwrap();
    assert_eq!(exp.phase2.points, 200);
    assert_eq!(exp.phase2.horizons, vec![0.33, 0.5, 0.66]);
    assert_eq!(exp.phase3.seeds, vec![0, 1, 2, 3, 4]);
    assert_eq!(exp.phase3.top_k, 3);
    assert!(!exp.phase3.enabled);
    assert_eq!(exp.phase1_seeds(), &[0]);
}

#[test]
fn phase3_retrains_chosen_configurations_with_its_seeds() {
    let text = format!(
        "{EXPERIMENT}phase1:\n  seeds: [7]\nphase3:\n  enabled: true\n  top_k: 2\n  seeds: [0, 1, 2]\n"
    );
    let exp = Experiment::from_yaml_str(&text, "t.yaml").unwrap();
    assert_eq!(
        phase1(&exp).len(),
        2,
        "2 algorithms x 1 workload x phase1.seeds [7]"
    );
    assert!(phase1(&exp).iter().all(|t| t.seed == 7));
    // 2 algorithms x top 2 x 1 workload x 3 seeds.
    assert_eq!(exp.phase3_trials(), 12);
    let chosen = vec![
        ("adamw".to_string(), "p002-h0.50".to_string()),
        ("prodigy".to_string(), "p000-h1.00".to_string()),
    ];
    let p3 = lrf_search::phase3(&exp, &chosen).unwrap();
    assert_eq!(p3.len(), 2 * 3, "2 configurations x 1 workload x 3 seeds");
    let searched = phase2(&exp).unwrap();
    let template = searched
        .iter()
        .find(|t| t.algorithm == "adamw" && t.config == "p002-h0.50")
        .unwrap();
    let retrained = &p3[0];
    assert_eq!(retrained.phase, 3);
    assert_eq!(retrained.overrides, template.overrides);
    assert_eq!(retrained.horizon, 0.5);
    assert_eq!(
        p3.iter().map(|t| t.seed).collect::<Vec<_>>(),
        vec![0, 1, 2, 0, 1, 2]
    );
    assert_eq!(
        retrained.relative_dir(),
        "phase3/adamw/p002-h0.50/study_0/resnet_tiny_lrf/trial_1"
    );
    let err = lrf_search::phase3(&exp, &[("adamw".into(), "p009-h0.50".into())])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`adamw/p009-h0.50` is not a phase-2 configuration"),
        "{err}"
    );
}

#[test]
fn phase3_keys_are_checked() {
    let bad = |tail: &str| experiment_err(&format!("{EXPERIMENT}{tail}"));
    // EXPERIMENT's last line, `horizons:`, is line 15 (line 1 is the empty line it opens
    // with); `phase3:` is line 16, `enabled:` 17, `top_kk:` 18.
    let err = bad("phase3:\n  enabled: true\n  top_kk: 2\n");
    assert!(
        err.starts_with("e.yaml:")
            && err.contains("unknown field `top_kk`")
            && err.contains("line 18"),
        "{err}"
    );
    assert!(bad("phase3:\n  enabled: true\n  top_k: 0\n").contains("phase3.top_k"));
    assert!(bad("phase3:\n  seeds: [1, 1]\n").contains("phase3.seeds: 1 is listed twice"));
    assert!(bad("phase3:\n  seeds: []\n").contains("phase3.seeds: expected at least one seed"));
    let no_search = EXPERIMENT.replace("phase2:\n", "phase2:\n  enabled: false\n");
    let err = experiment_err(&format!("{no_search}phase3: {{enabled: true}}\n"));
    assert!(
        err.contains("phase3.enabled") && err.contains("phase 2"),
        "{err}"
    );
    let err = bad("phase2b: {}\n");
    assert!(err.contains("unknown field `phase2b`"), "{err}");
    let err = Experiment::from_yaml_str(
        &EXPERIMENT.replace("points: 3", "points: 3\n  sampler: latin"),
        "e.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("unknown variant `latin`") && err.contains("halton"),
        "{err}"
    );
}

#[test]
fn the_halton_sampler_plans_algoperfs_points() {
    let exp = Experiment::from_yaml_str(
        &EXPERIMENT.replace("points: 3", "points: 3\n  sampler: halton"),
        "t.yaml",
    )
    .unwrap();
    let p2 = phase2(&exp).unwrap();
    let space = exp.search_space("adamw").unwrap();
    let points = lrf_search::halton_points(&space, 3);
    let adamw: Vec<_> = p2
        .iter()
        .filter(|t| t.algorithm == "adamw" && t.horizon == 0.5 && t.seed == 0)
        .collect();
    assert_eq!(adamw.len(), 3);
    for (t, p) in adamw.iter().zip(&points) {
        assert_eq!(&t.overrides["learning_rate"], &p["learning_rate"]);
        assert_eq!(&t.overrides["weight_decay"], &p["weight_decay"]);
    }
}

#[test]
fn the_paper_experiment_files_hold_the_same_protocol() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let tiny = Experiment::load(&dir.join("paper-tiny.yaml")).unwrap();
    let full = Experiment::load(&dir.join("paper-algoperf.yaml")).unwrap();
    let subset = Experiment::load(&dir.join("paper-tiny-subset.yaml")).unwrap();
    assert_eq!(tiny.algorithms.len(), 13, "every optimizer of lrf-optim");
    assert_eq!(tiny.algorithms, full.algorithms);
    assert_eq!(tiny.search_space, full.search_space);
    for exp in [&tiny, &full, &subset] {
        assert_eq!(exp.phase2.sampler, lrf_search::Sampler::Halton);
        assert_eq!(
            (exp.phase2.points, &exp.phase2.horizons),
            (200, &vec![0.33, 0.5, 0.66])
        );
        assert!(exp.phase3.enabled);
        assert_eq!(exp.phase3.seeds, vec![0, 1, 2, 3, 4]);
    }
    assert_eq!((tiny.phase3.top_k, full.phase3.top_k), (3, 3));
    for (name, spec) in &subset.algorithms {
        assert_eq!(
            spec, &tiny.algorithms[name],
            "{name}: the subset keeps the protocol"
        );
    }
    assert_eq!(subset.search_space, tiny.search_space);
}
