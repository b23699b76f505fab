#!/usr/bin/env bash
# Rebuild benchmark (issue 5, section 5): drop a column and change a type of
# a 1M-row SQLite table, side by side, each on a fresh copy of one database:
#
#   revgraph   rg-rebuild (the engine of revgraph/rebuild.c, every check on)
#   sqlite3    the sqlite3 shell running sqlite.org's twelve steps by hand
#   alembic    Alembic 1.8.1's batch_alter_table (reflection, SQLAlchemy)
#
#   bench/rebuild.sh [BUILD_DIR]     BUILD_DIR holds rg-rebuild [<repo>/build]
#
# Environment: ROWS [1000000], RUNS per contender [3], PYTHON [/usr/bin/python3],
# ALEMBIC=0 to skip Alembic.  Prints a Markdown table; the ratio is the median
# of revgraph over the median of the sqlite3 shell (target: within 1.2x).
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
BUILD=${1:-$ROOT/build}
TOOL=$BUILD/rg-rebuild
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
PYTHON=${PYTHON:-/usr/bin/python3}
ALEMBIC=${ALEMBIC:-1}
[ -x "$TOOL" ] || { echo "rebuild.sh: no $TOOL (build the project first)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "rebuild.sh: no sqlite3 shell" >&2; exit 1; }

WORK=$(mktemp -d /tmp/rg-bench-rebuild.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
BASE=$WORK/base.db
RUN=$WORK/run.db

sqlite3 "$BASE" >/dev/null <<SQL
PRAGMA journal_mode = DELETE;
CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b VARCHAR(40), c INTEGER, d TEXT DEFAULT 'x');
CREATE INDEX ix_t_b ON t (b);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO t (id, a, b, c, d) SELECT i, i * 7 % 1000, 'name ' || i, i % 977, 'legacy ' || i FROM n;
COMMIT;
SQL

# The twelve steps by hand, as sqlite.org writes them (foreign keys are off
# in a fresh shell; step 1 and 12 are kept for the same statement count).
cat > "$WORK/twelve.sql" <<'SQL'
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE new_t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b VARCHAR(40), c TEXT);
INSERT INTO new_t (id, a, b, c) SELECT id, a, b, c FROM t;
DROP TABLE t;
ALTER TABLE new_t RENAME TO t;
CREATE INDEX ix_t_b ON t (b);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
SQL

cat > "$WORK/alembic_batch.py" <<'PY'
import sys
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

engine = sa.create_engine("sqlite:///" + sys.argv[1])
with engine.begin() as conn:
    op = Operations(MigrationContext.configure(conn))
    with op.batch_alter_table("t") as batch:
        batch.drop_column("d")
        batch.alter_column("c", type_=sa.Text())
PY

now() { date +%s.%N; }
# time_one NAME CMD...: copy the base, run, check the result, print seconds
time_one() {
	local name=$1 t0 t1
	shift
	cp "$BASE" "$RUN"
	rm -f "$RUN-journal"
	sync "$RUN"
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	local shape rows
	shape=$(sqlite3 "$RUN" "SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('t')")
	rows=$(sqlite3 "$RUN" "SELECT count(*) FROM t WHERE typeof(c) = 'text'")
	case "$shape" in
	"id:INTEGER,a:INTEGER,b:VARCHAR(40),c:TEXT") ;;
	*) echo "rebuild.sh: $name left the table as $shape" >&2; exit 1 ;;
	esac
	[ "$rows" = "$ROWS" ] || { echo "rebuild.sh: $name: $rows of $ROWS rows with c as text" >&2; exit 1; }
	[ "$(sqlite3 "$RUN" "SELECT count(*) FROM sqlite_master WHERE name = 'ix_t_b'")" = 1 ] ||
		{ echo "rebuild.sh: $name lost the index" >&2; exit 1; }
	echo "$t1 - $t0" | bc -l
}

median() { sort -g | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; printf "%.3f", m }'; }

declare -A MED ALL
run_all() {
	local name=$1 i times=""
	shift
	for ((i = 0; i < RUNS; i++)); do
		times+="$(time_one "$name" "$@")"$'\n'
	done
	MED[$name]=$(printf '%s' "$times" | median)
	ALL[$name]=$(printf '%s' "$times" | awk 'NF { printf "%s%.3f", sep, $1; sep = ", " }')
}

run_all revgraph "$TOOL" "$RUN" t drop:d type:c:TEXT
run_all sqlite3 sh -c "sqlite3 '$RUN' < '$WORK/twelve.sql'"
if [ "$ALEMBIC" = 1 ]; then
	run_all alembic "$PYTHON" "$WORK/alembic_batch.py" "$RUN"
fi

echo "# Rebuild of a $ROWS-row table: drop a column + change a type"
echo
echo "- $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- SQLite $(sqlite3 --version | cut -d' ' -f1); $RUNS runs each on a fresh copy of the database (warm page cache); median"
echo
echo "| contender | median (s) | runs (s) |"
echo "|---|---:|---|"
for name in revgraph sqlite3 alembic; do
	[ -n "${MED[$name]:-}" ] || continue
	echo "| $name | ${MED[$name]} | ${ALL[$name]} |"
done
echo
ratio=$(echo "${MED[revgraph]} / ${MED[sqlite3]}" | bc -l)
verdict=$(echo "$ratio <= 1.2" | bc -l)
printf 'revgraph / sqlite3 = %.2fx (target 1.2x: %s)\n' "$ratio" "$([ "$verdict" = 1 ] && echo PASS || echo FAIL)"
if [ -n "${MED[alembic]:-}" ]; then
	printf 'alembic / revgraph = %.2fx\n' "$(echo "${MED[alembic]} / ${MED[revgraph]}" | bc -l)"
fi
