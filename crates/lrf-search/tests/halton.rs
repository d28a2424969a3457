//! `halton_points` against AlgoPerf's own `algoperf/halton.py`: the fixture
//! (`tests/fixtures/halton/halton.json`, made by `tools/halton_fixture.py`, see the README
//! beside it) holds, per case, halton.py's points with its final shuffle patched out and the
//! points of a genuine, shuffled call.

use std::collections::BTreeMap;

use lrf_search::{
    halton_points, halton_primes, Dimension, Point, SearchSpace, Value, HALTON_MAX_DIMENSIONS,
};
use serde_json::Value as Json;
use serde_yaml::{Mapping, Value as Yaml};

struct Case {
    name: String,
    space: SearchSpace,
    count: usize,
    primes: Vec<u32>,
    unshuffled: Vec<Point>,
    shuffled: Vec<Point>,
}

fn cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/halton/halton.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let fixture: Json = serde_json::from_str(&text).unwrap();
    let cases = fixture["cases"].as_object().expect("cases");
    cases
        .iter()
        .map(|(name, case)| {
            // `[name, spec]` pairs, so the order survives serde_json's sorted maps.
            let mut map = Mapping::new();
            for pair in case["space"].as_array().unwrap() {
                let key = pair[0].as_str().unwrap().to_string();
                map.insert(Yaml::String(key), serde_yaml::to_value(&pair[1]).unwrap());
            }
            let space = SearchSpace::from_yaml(&Yaml::Mapping(map), path, name).unwrap();
            let points = |key: &str| -> Vec<Point> {
                serde_json::from_value(case[key].clone()).unwrap_or_else(|e| panic!("{key}: {e}"))
            };
            Case {
                name: name.clone(),
                space,
                count: case["count"].as_u64().unwrap() as usize,
                primes: serde_json::from_value(case["primes"].clone()).unwrap(),
                unshuffled: points("unshuffled"),
                shuffled: points("shuffled"),
            }
        })
        .collect()
}

/// A value with its number's exact bits, so that equal keys mean bit-for-bit equal points.
fn exact(value: &Value) -> String {
    match value {
        Value::Number(x) => format!("{:#018x}", x.to_bits()),
        other => format!("{other:?}"),
    }
}

fn key(point: &Point) -> BTreeMap<String, String> {
    point.iter().map(|(k, v)| (k.clone(), exact(v))).collect()
}

/// Panics at the first point or value that differs, naming both.
fn assert_same(case: &str, ours: &[Point], theirs: &[Point]) {
    assert_eq!(ours.len(), theirs.len(), "{case}: point count");
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{case}: point {k}: names"
        );
        for (name, x) in a {
            let y = &b[name];
            assert!(
                exact(x) == exact(y),
                "{case}: point {k}: {name}: ours {x:?}, halton.py {y:?}"
            );
        }
    }
}

#[test]
fn points_equal_halton_py_unshuffled_bit_for_bit() {
    let cases = cases();
    assert_eq!(cases.len(), 6);
    for case in &cases {
        assert_eq!(case.unshuffled.len(), case.count, "{}", case.name);
        let ours = halton_points(&case.space, case.count);
        assert_same(&case.name, &ours, &case.unshuffled);
    }
}

#[test]
fn points_equal_genuine_halton_py_call_as_a_multiset() {
    for case in cases() {
        let mut ours: Vec<_> = halton_points(&case.space, case.count)
            .iter()
            .map(key)
            .collect();
        let mut theirs: Vec<_> = case.shuffled.iter().map(key).collect();
        ours.sort();
        theirs.sort();
        assert!(ours == theirs, "{}: not the same set of points", case.name);
        // The shuffle did happen: the genuine order is not the sequence's.
        if case.count >= 5 {
            let in_order: Vec<_> = case.unshuffled.iter().map(key).collect();
            let genuine: Vec<_> = case.shuffled.iter().map(key).collect();
            assert_ne!(in_order, genuine, "{}", case.name);
        }
    }
}

#[test]
fn primes_are_halton_py_primes() {
    // algoperf.md: the 7-dimension NAdamW space uses these bases, in key order.
    assert_eq!(halton_primes(7), [947, 953, 967, 971, 977, 983, 991]);
    assert_eq!(halton_primes(1), [991]);
    assert_eq!(halton_primes(0), Vec::<u32>::new());
    // 166 dimensions take all 167 odd primes below 1000 but 997; one more and halton.py
    // sieves up to 2000 (302 odd primes) instead. Values from halton.py's own selection.
    let primes = halton_primes(166);
    assert_eq!((primes[0], primes[165]), (3, 991));
    let primes = halton_primes(167);
    assert_eq!((primes[0], primes[166]), (769, 1997));
    for case in cases() {
        // As recorded from the `base` argument of halton.py's `_generate_dim`.
        assert_eq!(
            halton_primes(case.space.random_dims()),
            case.primes,
            "{}",
            case.name
        );
    }
}

#[test]
fn first_k_of_n_points_are_the_k_points() {
    let cases = cases();
    let by_name = |n: &str| cases.iter().find(|c| c.name == n).unwrap();
    let (five, two_hundred) = (by_name("nadamw_archived_5"), by_name("nadamw_archived_200"));
    assert_same("fixture", &two_hundred.unshuffled[..5], &five.unshuffled);
    let all = halton_points(&two_hundred.space, 200);
    for k in [0, 1, 5, 17, 199] {
        assert_same(
            &format!("first {k}"),
            &all[..k],
            &halton_points(&two_hundred.space, k),
        );
    }
}

#[test]
fn fixed_dimensions_take_no_coordinate() {
    let cases = cases();
    let nadamw = cases
        .iter()
        .find(|c| c.name == "nadamw_archived_200")
        .unwrap();
    // The same random dimensions with fixed values between them.
    let mut dims = Vec::new();
    for (i, dim) in nadamw.space.dims.iter().enumerate() {
        dims.push((
            format!("fixed_{i}"),
            Dimension::Fixed(Value::Bool(i % 2 == 0)),
        ));
        dims.push(dim.clone());
    }
    let space = SearchSpace { dims };
    assert_eq!(space.random_dims(), 7);
    let ours = halton_points(&space, 200);
    let expected: Vec<Point> = nadamw
        .unshuffled
        .iter()
        .map(|p| {
            let mut p = p.clone();
            for i in 0..7 {
                p.insert(format!("fixed_{i}"), Value::Bool(i % 2 == 0));
            }
            p
        })
        .collect();
    assert_same("with fixed dimensions", &ours, &expected);

    // No random dimension at all (halton.py cannot express it): `count` copies.
    let fixed = SearchSpace {
        dims: vec![("x".into(), Dimension::Fixed(Value::Number(1.5)))],
    };
    let points = halton_points(&fixed, 3);
    assert_eq!(points.len(), 3);
    assert!(points.iter().all(|p| p["x"] == Value::Number(1.5)));
}

#[test]
#[should_panic(expected = "dimensions >")]
fn too_many_dimensions_panic() {
    let dims = (0..=HALTON_MAX_DIMENSIONS)
        .map(|i| {
            let dim = Dimension::Linear { min: 0.0, max: 1.0 };
            (format!("u{i}"), dim)
        })
        .collect();
    halton_points(&SearchSpace { dims }, 1);
}
