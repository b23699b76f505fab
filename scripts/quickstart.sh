#!/usr/bin/env bash
# The README's first command: install, build, and migrate a fresh SQLite
# database with the bundled example project (versions-example/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
# a fresh SQLite database each time (versions-example/example.db, as the
# project's sqlalchemy.url says)
rm -f versions-example/example.db versions-example/example.db.revgraph-lock
set -x
build/revgraph -c versions-example/alembic.ini heads
build/revgraph -c versions-example/alembic.ini upgrade heads
build/revgraph -c versions-example/alembic.ini current
build/revgraph -c versions-example/alembic.ini history -i
