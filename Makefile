# Two commands on a fresh machine:
#   make run   - installs what is missing, builds, and serves http://127.0.0.1:3000
#   make test  - installs what is missing, then fmt, clippy, tests on SQLite and
#                PostgreSQL, and the browser tests
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Leptos reads this at compile time; keeping it identical for every cargo command
# lets `cargo test` and `cargo leptos build` share compiled crates.
export LEPTOS_OUTPUT_NAME := titan
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run watch test test-cluster setup build release wasm-size fmt bench-render bench-ml bench-experiments bench-pages bench-dashboard bench-predict bench-load

run: setup
	cargo leptos serve

watch: setup
	cargo leptos watch

test: setup
	scripts/test.sh

build: setup
	cargo leptos build

# --precompress leaves .br and .gz beside each site file, served as they are.
release: setup
	cargo leptos build --release --precompress
	scripts/precompress-best.sh

# The hydrate wasm against its budget (400 KB gzipped); `make test` checks it too.
wasm-size: setup
	scripts/wasm-size.sh

# The multi-process tests on PostgreSQL, Redis and an S3-protocol server.
test-cluster: setup
	scripts/cluster-test.sh

setup:
	@scripts/setup.sh

fmt:
	cargo fmt --all

# Titan's render pipeline vs the bare ffmpeg commands, median of 5 each.
bench-render: setup
	cargo run --quiet -p titan-server --example bench_render

# CTR training on 1 M x 30 synthetic rows (time, iterations, where the time goes)
# and prediction latency through the server function, then scikit-learn's
# LogisticRegression on the same problem; release mode (the first run compiles
# for a few minutes).
bench-ml: setup
	cargo run --release --quiet -p titan-server --example bench_ml
	@echo "scikit-learn on the same problem (a venv under target/, made once):"
	@test -x target/sklearn-venv/bin/python || (python3 -m venv target/sklearn-venv && target/sklearn-venv/bin/pip install --quiet numpy scikit-learn)
	target/sklearn-venv/bin/python scripts/bench_sklearn.py

# choose / events requests/s and p99 over HTTP with a real API key (wrk), in-process
# choices/s, and a bare axum handler for scale; release mode.
bench-experiments: setup
	cargo run --release --quiet -p titan-server --example bench_experiments

# Page views/s and p50/p99 of every signed-in page of the demo workspace over
# kept-alive connections (wrk), with /login as the floor; release mode.
bench-pages: setup
	cargo run --release --quiet -p titan-server --example bench_pages

# Overview and Analytics (30 and 90 days) over HTTP on 1,000 campaigns, 20,000
# creatives and 2,000,000 daily rows it generates: median and p95, on SQLite and
# on a throw-away PostgreSQL; release mode.
bench-dashboard: setup
	cargo build --release --quiet -p titan-server --example bench_dashboard
	scripts/with-postgres.sh sh -c 'TITAN_BENCH_POSTGRES_URL=$$TITAN_TEST_POSTGRES_URL target/release/examples/bench_dashboard'

# CTR predictions/s and p50/p99 over HTTP (session and API key) with a 30-feature
# model, the prediction log's rows against predictions answered, and a bare axum
# handler for scale; on SQLite and on a throw-away PostgreSQL; release mode.
bench-predict: setup
	cargo build --release --quiet -p titan-server --example bench_predict
	scripts/with-postgres.sh scripts/with-redis.sh sh -c 'TITAN_BENCH_POSTGRES_URL=$$TITAN_TEST_POSTGRES_URL TITAN_BENCH_REDIS_URL=$$TITAN_TEST_REDIS_URL target/release/examples/bench_predict'

# Two web replicas (release binary) on PostgreSQL + Redis, 500 connections for
# 60 s on pages, predictions, choose and events: requests/s, p99, errors (target 0).
bench-load: setup
	cargo build --release --quiet -p titan-server --bin titan-server --example bench_load
	scripts/with-postgres.sh scripts/with-redis.sh sh -c 'TITAN_BENCH_POSTGRES_URL=$$TITAN_TEST_POSTGRES_URL TITAN_BENCH_REDIS_URL=$$TITAN_TEST_REDIS_URL target/release/examples/bench_load'
