# Helpers shared by the CLI test scripts (tests/cli/test_*.sh).  A script
# sources this right after `set -u`, with its own arguments (REVGRAPH
# REPO_ROOT) still in place: it sets RG and ROOT from them, makes the
# scratch directory $T (removed on exit; a script that needs more cleanup
# replaces the trap), starts the pass/fail counts at zero, and ends with
# `finish LABEL`, whose status becomes the script's exit status.
# shellcheck shell=bash

RG=${1:?usage: $0 REVGRAPH REPO_ROOT}
ROOT=${2-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }

check() { # name expected_status expected_stdout -- command...
  local name=$1 want_status=$2 want_out=$3
  shift 4
  local out status
  out=$("$@" 2>"$T/stderr" </dev/null)
  status=$?
  if [ "$status" = "$want_status" ] && [ "$out" = "$want_out" ]; then
    ok
  else
    bad "$name"
    printf '  status %s (want %s)\n  stdout: %s\n  want:   %s\n  stderr: %s\n' \
      "$status" "$want_status" "$out" "$want_out" "$(cat "$T/stderr")"
  fi
}

eq() { # name got want
  if [ "$2" = "$3" ]; then ok; else bad "$1"; printf '  got:  %s\n  want: %s\n' "$2" "$3"; fi
}

truth() { # name command...: the command must succeed
  local name=$1
  shift
  if "$@"; then ok; else bad "$name"; fi
}

quiet() { "$@" >/dev/null; }		# stderr still reaches check's $T/stderr
silent() { "$@" >/dev/null 2>&1; }

# what a directory holds, recursively, one path a line
tree() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort); }

rev() { # dir file revision down upgrade-yaml [extra header]: a native revision in $T/dir/versions
  printf 'revision: "%s"\ndown_revision: %s\nmessage: m %s\n%s%s\n' "$3" "$4" "$3" "${6:-}" "${5-}" \
    > "$T/$1/versions/$2"
}

finish() { # label: the summary line; fails when any check failed
  printf '%s%d passed, %d failed\n' "$1" "$pass" "$fail"
  [ "$fail" -eq 0 ]
}
