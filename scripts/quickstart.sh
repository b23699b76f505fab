#!/usr/bin/env bash
# The README's first command: install, build, and run revgraph on the
# bundled example project (versions-example/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
set -x
build/revgraph -c versions-example/alembic.ini heads
build/revgraph -c versions-example/alembic.ini branches
build/revgraph -c versions-example/alembic.ini history
