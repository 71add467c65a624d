#!/usr/bin/env bash
# Every multi-process test of Titan spread over machines, in one go, on
# PostgreSQL (a throw-away server from scripts/with-postgres.sh). The tests
# start what they stop and restart themselves: Redis (Debian's redis-server),
# the S3-protocol server (s3s-fs) and the titan-server processes, all on loopback.
#   cluster.rs        two replicas + workers on PostgreSQL, Redis and a bucket
#   replicas.rs       promotions, sign-outs, job changes heard across replicas
#   roles.rs          a worker killed with kill -9 mid-render, another finishes
#   durability.rs     kill -9 during renders; a daily schedule runs once
#   shared_limits.rs  rate limits shared in Redis; Redis stopped and started
# `make test` runs these too, on SQLite and then on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec scripts/with-postgres.sh cargo test -p titan-server \
  --test cluster --test replicas --test roles --test durability --test shared_limits
