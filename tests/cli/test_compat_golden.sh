#!/bin/bash
# Golden test: revgraph against Alembic 1.8.1 outputs recorded for the fixed
# project alembic.ini-compat/ (recorded by tests/conformance/record_compat.sh).
#
#   bash tests/cli/test_compat_golden.sh /path/to/revgraph /path/to/repo_root
#
# The project is copied to a temporary directory and every command listed in
# alembic.ini-compat/expected/index.tsv ("name<TAB>exit status<TAB>argv") is run
# there with stdin from /dev/null.  @PROJECT@ in the expected files stands for
# the project directory.  A command passes when:
#   * the recorded status is 1 (Alembic crashed with a traceback): revgraph exits
#     non-zero and prints exactly one line, starting with "FAILED: ";
#   * otherwise: same exit status and the same stdout.  If the bytes differ, the
#     outputs are compared again after tests/conformance/normalize.py has sorted
#     the parts Alembic prints in Python hash order (Branches into:, Branch
#     names:, label groups, child lines of `branches`).
# The last line is "N passed, M failed"; the exit status is non-zero on any failure.
set -u
BIN=${1:?usage: test_compat_golden.sh REVGRAPH REPO_ROOT}
SRC=${2:?usage: test_compat_golden.sh REVGRAPH REPO_ROOT}
COMPAT=$SRC/alembic.ini-compat
INDEX=$COMPAT/expected/index.tsv
NORMALIZE=$SRC/tests/conformance/normalize.py
MAX_SHOWN=${MAX_SHOWN:-10}

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
if [ ! -x "$BIN" ] || [ -d "$BIN" ]; then
    echo "revgraph binary '$BIN' not found or not executable"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -f "$INDEX" ]; then
    echo "missing $INDEX (run tests/conformance/record_compat.sh)"
    echo "0 passed, 1 failed"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rg-compat-golden.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/proj"
# the project itself, without the recorded outputs
( cd "$COMPAT" && for f in *; do [ "$f" = expected ] || cp -R "$f" "$TMP/proj/"; done )
P=$(cd "$TMP/proj" && pwd -P)

passed=0
failed=0
shown=0

report() {  # name argv reason expected_file actual_file exp_status act_status
    failed=$((failed + 1))
    if [ "$shown" -lt "$MAX_SHOWN" ]; then
        shown=$((shown + 1))
        echo "=============================================================================="
        echo "FAIL $1: revgraph $2"
        echo "reason: $3"
        { cat "$4"; echo "[exit $6]"; } >"$TMP/exp.show"
        { cat "$5"; echo "[exit $7]"; } >"$TMP/act.show"
        diff -u --label "alembic ($1)" --label revgraph "$TMP/exp.show" "$TMP/act.show" | head -60
        if [ -s "$TMP/err" ]; then
            echo "revgraph stderr: $(head -5 "$TMP/err")"
        fi
    fi
}

while IFS=$'\t' read -r name status argv; do
    [ -n "$name" ] || continue
    exp_file=$COMPAT/expected/$name.txt
    # shellcheck disable=SC2086  # argv is split on purpose
    (cd "$P" && "$BIN" $argv </dev/null >"$TMP/out.raw" 2>"$TMP/err")
    rc=$?
    content=
    IFS= read -r -d '' content <"$TMP/out.raw" || true
    printf '%s' "${content//"$P"/@PROJECT@}" >"$TMP/out"

    if [ "$status" = 1 ]; then
        # Alembic crashed with a traceback: revgraph must fail cleanly
        nlines=$(awk 'END { print NR }' "$TMP/out")
        # non-zero, but not killed by a signal (bash reports 128+N)
        if [ "$rc" -ne 0 ] && { [ "$rc" -le 128 ] || [ "$rc" -gt 192 ]; } && [ "$nlines" -eq 1 ] &&
           head -n 1 "$TMP/out" | grep -q '^FAILED: '; then
            passed=$((passed + 1))
        else
            report "$name" "$argv" "Alembic crashed (traceback): revgraph must exit non-zero with one FAILED: line" \
                "$exp_file" "$TMP/out" "$status" "$rc"
        fi
        continue
    fi
    if [ "$rc" != "$status" ]; then
        report "$name" "$argv" "exit status $rc, Alembic $status" "$exp_file" "$TMP/out" "$status" "$rc"
        continue
    fi
    if cmp -s "$exp_file" "$TMP/out"; then
        passed=$((passed + 1))
        continue
    fi
    "$PY" "$NORMALIZE" <"$exp_file" >"$TMP/exp.norm"
    "$PY" "$NORMALIZE" <"$TMP/out" >"$TMP/out.norm"
    if cmp -s "$TMP/exp.norm" "$TMP/out.norm"; then
        passed=$((passed + 1))
    else
        report "$name" "$argv" "stdout differs" "$exp_file" "$TMP/out" "$status" "$rc"
    fi
done <"$INDEX"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
