#!/usr/bin/env bash
# Running migrations: revgraph vs Alembic 1.8.1 vs the sqlite3 shell.
#
#   bench/migrate.sh [N]        default N = 10000
#
# N tiny revisions in a line (bench/gen_migrate.py), applied to a fresh
# SQLite file by `revgraph upgrade head`, `alembic upgrade head`, and the
# sqlite3 shell running the statements revgraph runs with the same
# transaction boundaries (one per migration); then `upgrade head --sql`
# by revgraph and Alembic. Times with hyperfine; writes Markdown to stdout
# and bench/out/migrate-N.md. Measures REVGRAPH, or else an optimised
# build/revgraph it builds (bench/optimized.sh: an unoptimised binary is
# refused). Applying runs RUNS times (3) for revgraph and sqlite3 and
# ALEMBIC_RUNS times (1) for Alembic. `--sql` is timed by `hyperfine -N` started
# in each project's directory, with no shell between: revgraph after 3 warmup
# runs, SQL_RUNS times (30); Alembic after 1, ALEMBIC_SQL_RUNS times (3).
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
N=${1:-10000}
OUT=${BENCH_OUT:-$BENCH/out}/migrate-$N
REVGRAPH=${REVGRAPH:-}
# shellcheck source=bench/optimized.sh
. "$BENCH/optimized.sh"
PYTHON=${PYTHON:-/usr/bin/python3}
ALEMBIC_RUNS=${ALEMBIC_RUNS:-1}
RUNS=${RUNS:-3}
SQL_RUNS=${SQL_RUNS:-30}
ALEMBIC_SQL_RUNS=${ALEMBIC_SQL_RUNS:-3}
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
"$PYTHON" "$BENCH/gen_migrate.py" "$OUT" "$N"
A="$PYTHON $BENCH/alembic_sorted.py"

# correctness first: the same rows and version from all three
(cd "$OUT/revgraph" && "$REVGRAPH" upgrade head 2>/dev/null)
(cd "$OUT/alembic" && $A upgrade head 2>/dev/null)
sqlite3 "$OUT/raw.db" < "$OUT/raw.sql"
for db in revgraph/bench.db alembic/bench.db raw.db; do
  sqlite3 "$OUT/$db" 'SELECT count(*), sum(n) FROM trail; SELECT version_num FROM alembic_version' | tr '\n' ' '
  echo " <- $db"
done | tee "$OUT/check.txt"
[ "$(cut -d'<' -f1 "$OUT/check.txt" | sort -u | wc -l)" = 1 ] || { echo "results differ" >&2; exit 1; }
(cd "$OUT/revgraph" && "$REVGRAPH" upgrade head --sql 2>/dev/null) > "$OUT/rg.sql"
(cd "$OUT/alembic" && $A upgrade head --sql 2>/dev/null) > "$OUT/al.sql"
cmp -s "$OUT/rg.sql" "$OUT/al.sql" && echo "--sql output identical" || { echo "--sql output differs" >&2; exit 1; }

hf() { # name runs prepare command
  hyperfine --style none --runs "$2" --prepare "$3" --export-json "$OUT/$1.json" "$4" >/dev/null 2>&1
}
hf rg_apply "$RUNS" "rm -f $OUT/revgraph/bench.db" "cd $OUT/revgraph && $REVGRAPH upgrade head 2>/dev/null"
hf raw_apply "$RUNS" "rm -f $OUT/raw.db" "sqlite3 $OUT/raw.db < $OUT/raw.sql"
hf al_apply "$ALEMBIC_RUNS" "rm -f $OUT/alembic/bench.db" "cd $OUT/alembic && $A upgrade head 2>/dev/null"
# name dir warmup runs command: hyperfine -N (no shell) run in the project directory,
# so the ~30 ms --sql run is not timed with a shell's start and a cd in it
hf_direct() {
  (cd "$2" && hyperfine -N --style none --warmup "$3" --runs "$4" --export-json "$OUT/$1.json" "$5" >/dev/null 2>&1)
}
hf_direct rg_sql "$OUT/revgraph" 3 "$SQL_RUNS" "$REVGRAPH upgrade head --sql"
hf_direct al_sql "$OUT/alembic" 1 "$ALEMBIC_SQL_RUNS" "$A upgrade head --sql"

"$PYTHON" - "$OUT" "$N" <<'PY' | tee "$OUT/../migrate-$N.md"
import json, os, sys
out, n = sys.argv[1], sys.argv[2]
t = {k: json.load(open(os.path.join(out, k + ".json")))["results"][0]
     for k in ("rg_apply", "raw_apply", "al_apply", "rg_sql", "al_sql")}
def f(r):
    return "%.3f s ± %.3f (%d runs)" % (r["mean"], r["stddev"] or 0, len(r["times"]))
print("| %s revisions | revgraph | Alembic 1.8.1 | sqlite3 shell | ratio |" % n)
print("|---|---:|---:|---:|---|")
print("| upgrade head (apply) | %s | %s | %s | revgraph / sqlite3 = %.2fx; Alembic / revgraph = %.0fx |" % (
    f(t["rg_apply"]), f(t["al_apply"]), f(t["raw_apply"]),
    t["rg_apply"]["mean"] / t["raw_apply"]["mean"], t["al_apply"]["mean"] / t["rg_apply"]["mean"]))
print("| upgrade head --sql | %s | %s | – | Alembic / revgraph = %.0fx |" % (
    f(t["rg_sql"]), f(t["al_sql"]), t["al_sql"]["mean"] / t["rg_sql"]["mean"]))
PY
