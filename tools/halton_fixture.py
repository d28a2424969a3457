#!/usr/bin/env python3
"""Writes the fixture that tests lrf-search's Halton sampler against AlgoPerf's own code.

Run by hand (needs numpy and absl-py, and a copy of AlgoPerf's `algoperf/halton.py`):

    python3 tools/halton_fixture.py /path/to/algoperf/halton.py \
        crates/lrf-search/tests/fixtures/halton/halton.json

For each case it calls `halton.generate_search(space, count)` twice:

* `unshuffled`: with halton.py's final shuffle (`numpy.random.shuffle`, the module-level
  function on numpy's global RNG) replaced by a no-op for the duration of the call. The
  per-dimension shuffle is untouched: it is `rng.shuffle` on a `RandomState(prime)` instance.
  The result is also checked against `generate_sequence(..., shuffle_sequence=False)`.
* `shuffled`: the genuine, unpatched call. Its order comes from numpy's global RNG, which is
  seeded here (`numpy.random.seed(0)` before each case) only so that the file is reproducible;
  the tests compare it as a multiset.

It also records the prime base of every dimension, as passed to halton.py's `_generate_dim`.
Spaces are written as `[name, spec]` pairs so that their order (which decides each
dimension's prime) survives JSON readers that sort object keys. Floats are written with
Python's `repr` (shortest round-trip form), so they read back bit for bit.
"""

import argparse
import importlib.util
import json
import platform
import sys

import numpy

NADAMW_ARCHIVED = [
    ("learning_rate", {"min": 1e-4, "max": 1e-2, "scaling": "log"}),
    ("one_minus_beta1", {"min": 4e-3, "max": 0.1, "scaling": "log"}),
    ("beta2", {"feasible_points": [0.999]}),
    ("warmup_factor", {"feasible_points": [0.05]}),
    ("weight_decay", {"min": 5e-3, "max": 1.0, "scaling": "log"}),
    ("label_smoothing", {"feasible_points": [0.1, 0.2]}),
    ("dropout_rate", {"feasible_points": [0.0, 0.1]}),
]

MIXED_3D = [
    ("learning_rate", {"min": 1e-5, "max": 1e-1, "scaling": "log"}),
    ("weight_decay", {"min": 0.0, "max": 0.5, "scaling": "linear"}),
    ("schedule", {"feasible_points": ["cosine", "linear", "constant"]}),
]

ONE_DIM = [
    ("learning_rate", {"min": 1e-4, "max": 1e-2, "scaling": "log"}),
]


def unit_cube(dims):
    """`dims` linear [0, 1] dimensions: the points are halton.py's raw coordinates."""
    return [(f"u{d:03}", {"min": 0.0, "max": 1.0, "scaling": "linear"}) for d in range(dims)]


CASES = [
    ("nadamw_archived_5", NADAMW_ARCHIVED, 5),
    ("nadamw_archived_200", NADAMW_ARCHIVED, 200),
    ("mixed_3d_20", MIXED_3D, 20),
    ("one_dim_10", ONE_DIM, 10),
    ("unit_7d_50", unit_cube(7), 50),
    # 200 dimensions need 201 odd primes: more than the 167 below 1000, so halton.py sieves
    # again up to 2000.
    ("unit_200d_3", unit_cube(200), 3),
]


def load_halton(path):
    spec = importlib.util.spec_from_file_location("algoperf_halton", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generator(halton, name, spec):
    """halton.py's own value generator for one dimension (as `generate_search` builds it)."""
    if "feasible_points" in spec:
        return halton.uniform(name, halton.discrete(spec["feasible_points"]))
    if spec["scaling"] == "log":
        return halton.loguniform(name, halton.interval(spec["min"], spec["max"]))
    return halton.uniform(name, halton.interval(spec["min"], spec["max"]))


def run_case(halton, space_pairs, count):
    space = dict(space_pairs)
    names = [name for name, _ in space_pairs]

    bases = []
    generate_dim = halton._generate_dim

    def recording_generate_dim(*args, **kwargs):
        bases.append(kwargs["base"])
        return generate_dim(*args, **kwargs)

    global_shuffle = halton.random.shuffle
    halton._generate_dim = recording_generate_dim
    halton.random.shuffle = lambda x: None
    try:
        unshuffled = halton.generate_search(space, count)
    finally:
        halton.random.shuffle = global_shuffle
        halton._generate_dim = generate_dim

    # The patch only removed the final shuffle: same coordinates as asking for none.
    raw = halton.generate_sequence(
        num_samples=count, num_dims=len(space), shuffle_sequence=False)
    assert len(raw) == count
    for point, coords in zip(unshuffled, raw):
        for name, u in zip(names, coords):
            _, expected = generator(halton, name, space[name])(u)
            assert getattr(point, name) == expected, (name, getattr(point, name), expected)

    numpy.random.seed(0)
    shuffled = halton.generate_search(space, count)

    def rows(points):
        return [{name: getattr(p, name) for name in names} for p in points]

    unshuffled_rows, shuffled_rows = rows(unshuffled), rows(shuffled)
    key = lambda row: json.dumps(row, sort_keys=True)
    assert sorted(map(key, unshuffled_rows)) == sorted(map(key, shuffled_rows))
    return {
        "space": [[name, spec] for name, spec in space_pairs],
        "count": count,
        "primes": bases,
        "unshuffled": unshuffled_rows,
        "shuffled": shuffled_rows,
    }


def dumps(value, indent=""):
    """JSON with one line per point, per space entry and per list of primes."""
    inner = indent + " "
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values()):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}" + ("" if indent else "\n")
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [f"{inner}{json.dumps(v)}" for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("halton_py", help="path to AlgoPerf's algoperf/halton.py")
    parser.add_argument("out", help="the JSON file to write")
    args = parser.parse_args()

    halton = load_halton(args.halton_py)
    fixture = {
        "produced_by": "tools/halton_fixture.py",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "cases": {name: run_case(halton, space, count) for name, space, count in CASES},
    }
    with open(args.out, "w") as f:
        f.write(dumps(fixture))
    for name, case in fixture["cases"].items():
        print(f"{name}: {case['count']} points, primes {case['primes'][:8]}"
              f"{' ...' if len(case['primes']) > 8 else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()
