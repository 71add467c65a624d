#!/usr/bin/env python3
"""scikit-learn's time on the problem `make bench-ml` trains, for comparison.

1,000,000 rows x 30 features, each N(0, 1); true weights uniform in
[-0.5, 0.5], intercept -2.5; labels drawn from the logistic model. The same
distribution as server/examples/bench_ml.rs (not the same random stream).

Titan minimises sum(loss) + alpha/2 * |beta|^2 on standardised features, the
intercept free, alpha = LogisticOptions::default().l2 = 1e-3. scikit-learn's
lbfgs minimises C * sum(loss) + 1/2 * |w|^2, its intercept free too: the same
objective for C = 1 / alpha. The total is what Titan's `train` does
(standardise, then fit); the fit alone is printed too.

    python3 -m venv target/sklearn-venv
    target/sklearn-venv/bin/pip install numpy scikit-learn
    target/sklearn-venv/bin/python scripts/bench_sklearn.py [--runs 3] [--tol 1e-4]
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ALPHA = 1e-3  # Titan's LogisticOptions::default().l2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-4, help="lbfgs tolerance (its default 1e-4)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    truth = rng.uniform(-0.5, 0.5, args.features)
    x = rng.standard_normal((args.rows, args.features))
    p = 1.0 / (1.0 + np.exp(-(x @ truth - 2.5)))
    y = rng.random(args.rows) < p

    for _ in range(args.runs):
        started = time.perf_counter()
        scaler = StandardScaler().fit(x)
        z = scaler.transform(x)
        scaled = time.perf_counter()
        model = LogisticRegression(C=1.0 / ALPHA, solver="lbfgs", tol=args.tol, max_iter=1000)
        model.fit(z, y)
        finished = time.perf_counter()
        weights = model.coef_[0] / scaler.scale_
        error = np.max(np.abs(weights - truth))
        print(
            f"scikit-learn {args.rows} rows x {args.features} features in "
            f"{finished - started:.3f} s (scaler {scaled - started:.3f} s, "
            f"fit {finished - scaled:.3f} s: lbfgs, tol {args.tol:g}, "
            f"{model.n_iter_[0]} iterations); largest weight error {error:.4f}"
        )


if __name__ == "__main__":
    main()
