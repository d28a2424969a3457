//! Reproduces AlgoPerf v0.6's own scoring of its published logs (fixtures copied from
//! `shared/fixtures/algoperf-scoring`: the logs, the 8-workload targets file, and the
//! `expected/` outputs of `scoring/score_submissions.py`).

use std::path::{Path, PathBuf};

use lrf_score::algoperf::{score_log_tree, write_outputs};
use lrf_score::Targets;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/algoperf-scoring")
}

/// Parses an AlgoPerf CSV (header row, then `name,value,...` rows) into (header, rows).
fn read_csv(path: &Path) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut cells = l.split(',');
            let name = cells.next().unwrap().to_string();
            let values = cells
                .map(|c| {
                    if c.is_empty() {
                        f64::NAN
                    } else {
                        c.parse().unwrap()
                    }
                })
                .collect();
            (name, values)
        })
        .collect();
    (header, rows)
}

fn check_set(set: &str) {
    let root = fixtures();
    let targets = Targets::load(&root.join("targets_v06_8wl.json")).unwrap();
    let (times, profile) = score_log_tree(&root.join(set), &targets).unwrap();
    let out = tempfile::tempdir().unwrap();
    write_outputs(&times, &profile, out.path()).unwrap();
    let expected = root.join(set).join("expected");

    // Time-to-target matrices: identical (same header, same names, bit-equal values).
    let (h_want, rows_want) = read_csv(&expected.join("time_to_targets.csv"));
    let (h_got, rows_got) = read_csv(&out.path().join("time_to_targets.csv"));
    assert_eq!(h_got, h_want);
    assert_eq!(rows_got.len(), rows_want.len());
    for ((n1, v1), (n2, v2)) in rows_got.iter().zip(&rows_want) {
        assert_eq!(n1, n2);
        for (a, b) in v1.iter().zip(v2) {
            assert!(
                a == b || (a.is_nan() && b.is_nan()),
                "{set} {n1}: {a} vs {b}"
            );
        }
    }

    // Scores within 1e-9 of AlgoPerf's.
    let (_, scores_want) = read_csv(&expected.join("scores.csv"));
    let (_, scores_got) = read_csv(&out.path().join("scores.csv"));
    assert_eq!(scores_got.len(), scores_want.len());
    for ((n1, v1), (n2, v2)) in scores_got.iter().zip(&scores_want) {
        assert_eq!(n1, n2);
        assert!(
            (v1[0] - v2[0]).abs() <= 1e-9,
            "{set} {n1}: score {} vs {}",
            v1[0],
            v2[0]
        );
    }

    // Performance profiles: same τ grid, same ρ values.
    let (tau_want, rho_want) = read_csv(&expected.join("performance_profile_score.csv"));
    let (tau_got, rho_got) = read_csv(&out.path().join("performance_profile_score.csv"));
    for (a, b) in tau_got.iter().zip(&tau_want).skip(1) {
        let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
        assert!((a - b).abs() <= 1e-15, "tau {a} vs {b}");
    }
    for ((_, v1), (_, v2)) in rho_got.iter().zip(&rho_want) {
        assert_eq!(v1, v2);
    }
}

#[test]
fn reproduces_v06_external_tuning_scores() {
    check_set("v06_external");
}

#[test]
fn reproduces_v06_self_tuning_scores() {
    check_set("v06_self");
}

/// The published leaderboard values (SA README, v0.6): baseline 0.4590, shampoo 0.6244.
#[test]
fn matches_the_published_v06_leaderboard_to_four_decimals() {
    let root = fixtures();
    let targets = Targets::load(&root.join("targets_v06_8wl.json")).unwrap();
    let (_, profile) = score_log_tree(&root.join("v06_external"), &targets).unwrap();
    let scores = profile.scores();
    assert_eq!(profile.submissions, ["baseline", "shampoo"]);
    assert_eq!(format!("{:.4}", scores[0]), "0.4590");
    assert_eq!(format!("{:.4}", scores[1]), "0.6244");
}

#[test]
fn a_missing_log_tree_names_the_folder() {
    let root = fixtures();
    let targets = Targets::load(&root.join("targets_v06_8wl.json")).unwrap();
    let err = score_log_tree(Path::new("/nonexistent/logs"), &targets)
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/logs"), "{err}");
}
