#!/bin/bash
# Re-records alembic.ini-compat/expected/ from Alembic 1.8.1 (os.listdir sorted,
# stdin not a tty, PYTHONHASHSEED=0 so re-recording is reproducible).
#
#   bash tests/conformance/record_compat.sh [PROJECT_DIR]
#
# For every command below it writes expected/<name>.txt (Alembic's stdout, with
# the project directory replaced by @PROJECT@) and a line
# "<name>\t<exit status>\t<argv>" in expected/index.tsv.  Arguments must not
# contain spaces (argv is stored space-separated).  tests/cli/test_compat_golden.sh
# replays the index against revgraph.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${1:-$ROOT/alembic.ini-compat}
PY=/usr/bin/python3
RUNNER=$HERE/alembic_sorted.py

cd "$D"
P=$(pwd -P)
[ -f alembic.ini ] || { echo "no alembic.ini in $P (build it with build_compat.sh)" >&2; exit 1; }

# name  argv...
COMMANDS=$(cat <<'EOF'
heads                     heads
heads_v                   heads -v
heads_resolve             heads --resolve-dependencies
heads_v_resolve           heads -v --resolve-dependencies
branches                  branches
branches_v                branches -v
history                   history
history_v                 history -v
history_base_to_5b7e      history -r base:5b7e2d9a4c10
history_c0de_open         history -r c0de5a1e2f9b:
history_open_9e3c         history -r :9e3c7b1a5f02
history_8a4f_to_a7c3      history -r 8a4f07b3c61:a7c3e9f1b054
history_prefixes          history -r 5b7e:9e3c
history_reversed          history -r a7c3e9f1b054:8a4f07b3c61
history_unrelated         history -r b2c94e7a1d36:9e3c7b1a5f02
history_dep_range         history -r 5b7e2d9a4c10:e5f0b3a7c182
history_networking_base   history -r networking@base:
history_lib_base          history -r lib@base:
history_net_base          history -r net@base:networking@head
history_open_net_head     history -r :networking@head
history_base_heads        history -r base:heads
history_relative          history -r=-1:
history_relative2         history --rev-range=-2:
history_assertion         history -r 3f1d9c0a2b7e:networking@head
history_nosuch            history -r nosuch:
history_nocolon           history -r 3f1d9c0a2b7e
history_three_parts       history -r a:b:c
history_argparse_error    history -r -1:
history_v_range           history -v -r 9e3c7b1a5f02:
show_0b9d8c7e6f5a         show 0b9d8c7e6f5a
show_3f1d9c0a2b7e         show 3f1d9c0a2b7e
show_5b7e2d9a4c10         show 5b7e2d9a4c10
show_6d2a8f1e3b47         show 6d2a8f1e3b47
show_6d2a8f9c0e15         show 6d2a8f9c0e15
show_71e4b0c9a2d8         show 71e4b0c9a2d8
show_8a41c2e9d0f3         show 8a41c2e9d0f3
show_8a4f07b3c61          show 8a4f07b3c61
show_9e3c7b1a5f02         show 9e3c7b1a5f02
show_a7c3e9f1b054         show a7c3e9f1b054
show_b2c94e7a1d36         show b2c94e7a1d36
show_c0de5a1e2f9b         show c0de5a1e2f9b
show_d4a81f6c2e90         show d4a81f6c2e90
show_e5f0b3a7c182         show e5f0b3a7c182
show_f1b2c3d4e5a6         show f1b2c3d4e5a6
show_prefix_0             show 0
show_prefix_3f            show 3f
show_prefix_5b7e          show 5b7e
show_prefix_6             show 6
show_prefix_6d2a8f        show 6d2a8f
show_prefix_6d2a8f9       show 6d2a8f9
show_prefix_8a4           show 8a4
show_prefix_8a41          show 8a41
show_prefix_8a4f0         show 8a4f0
show_prefix_c0d           show c0d
show_prefix_e5f0b3        show e5f0b3
show_head                 show head
show_heads                show heads
show_base                 show base
show_networking           show networking
show_net                  show net
show_netw                 show netw
show_lib                  show lib
show_networking_head      show networking@head
show_net_head             show net@head
show_lib_head             show lib@head
show_networking_heads     show networking@heads
show_lib_heads            show lib@heads
show_networking_base      show networking@base
show_3f1d_head            show 3f1d9c0a2b7e@head
show_8a4f_head            show 8a4f07b3c61@head
show_b2c9_head            show b2c94e7a1d36@head
show_f1b2_head            show f1b2c3d4e5a6@head
show_networking_in        show networking@d4a81f6c2e90
show_networking_out       show networking@5b7e2d9a4c10
show_networking_out_pfx   show networking@5b7e
show_minus1               show -1
show_minus2               show -2
show_networking_minus1    show networking@-1
show_lib_minus1           show lib@-1
show_nosuch               show nosuch
show_nosuch_head          show nosuch@head
abs_heads                 -n compat_abs heads
abs_history_v             -n compat_abs history -v
abs_show_networking       -n compat_abs show networking
explicit_config_branches  -c alembic.ini branches -v
missing_section           -n nosuch heads
missing_config            -c nosuch.ini heads
EOF
)

rm -rf expected
mkdir expected
index=expected/index.tsv
: > "$index"
n=0
while read -r name argv; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086  # argv is split on purpose
    set +e
    PYTHONHASHSEED=0 "$PY" "$RUNNER" $argv </dev/null >expected/"$name".raw 2>/dev/null
    status=$?
    set -e
    IFS= read -r -d '' content <expected/"$name".raw || true
    printf '%s' "${content//"$P"/@PROJECT@}" >expected/"$name".txt
    rm -f expected/"$name".raw
    printf '%s\t%s\t%s\n' "$name" "$status" "$argv" >>"$index"
    n=$((n + 1))
done <<<"$COMMANDS"
echo "recorded $n commands into $P/expected"
