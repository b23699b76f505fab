#!/usr/bin/env bash
# revgraph benchmark: revgraph vs Alembic 1.8.1 vs reading the files (cat).
#
#   bench/run.sh [SIZE ...]          default sizes: 1000 10000 100000 (1k/10k/100k ok)
#
# Builds an optimised build/revgraph unless REVGRAPH names a binary, and
# refuses an unoptimised one (bench/optimized.sh).
# Generates the projects under bench/out/n<SIZE>/ (gengraph.py), checks the
# outputs, times everything with hyperfine, and writes the Markdown report to
# stdout and bench/out/results.md. See bench/README.md.
#
# Environment knobs (defaults in brackets):
#   REVGRAPH        binary to test [<repo>/build/revgraph, built optimised]
#   BENCH_OUT       output directory [<repo>/bench/out]
#   PYTHON          Python with Alembic 1.8.1 [/usr/bin/python3]
#   SEED            graph seed [20261122]
#   RG_WARMUP       hyperfine warmup runs for revgraph and cat [3]
#   RG_MIN_RUNS     hyperfine minimum runs for revgraph and cat [10]
#   ALEMBIC_MAX     largest size Alembic is timed with hyperfine [10000]
#   ALEMBIC_RUNS    hyperfine runs for Alembic (after 1 warmup) [5 up to 1k, else 3]
#   ALEMBIC_BIG     above ALEMBIC_MAX: "skip", or "once" = one run per command
#                   under a timeout (that run is also the output reference) [skip]
#   ALEMBIC_TIMEOUT seconds for each ALEMBIC_BIG=once run [900]
#   RG_TIMEOUT      seconds for each reference run of revgraph [900]
#   SLOW_S          a revgraph/cat command whose reference run takes this long is
#                   not re-run: the report uses that single run [20]
#   NO_CACHE_RUNS   also time revgraph with its header cache off (REVGRAPH_NO_CACHE=1):
#                   1 = yes, 0 = no [1]
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
OUT=${BENCH_OUT:-$BENCH/out}
REVGRAPH=${REVGRAPH:-}
PYTHON=${PYTHON:-/usr/bin/python3}
SEED=${SEED:-20261122}
RG_WARMUP=${RG_WARMUP:-3}
RG_MIN_RUNS=${RG_MIN_RUNS:-10}
ALEMBIC_MAX=${ALEMBIC_MAX:-10000}
ALEMBIC_BIG=${ALEMBIC_BIG:-skip}
ALEMBIC_TIMEOUT=${ALEMBIC_TIMEOUT:-900}
RG_TIMEOUT=${RG_TIMEOUT:-900}
SLOW_S=${SLOW_S:-20}
NO_CACHE_RUNS=${NO_CACHE_RUNS:-1}
COMMANDS=(heads branches history)
CMDLINE="bench/run.sh${*:+ $*}"
ENV_USED=""
for v in REVGRAPH PYTHON SEED RG_WARMUP RG_MIN_RUNS ALEMBIC_MAX ALEMBIC_RUNS ALEMBIC_BIG ALEMBIC_TIMEOUT \
         RG_TIMEOUT SLOW_S NO_CACHE_RUNS; do
    if printenv "$v" >/dev/null 2>&1; then ENV_USED+="$v=$(printenv "$v") "; fi
done
CMDLINE="${ENV_USED}${CMDLINE}"

die() { echo "run.sh: error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- preconditions
# shellcheck source=bench/optimized.sh
. "$BENCH/optimized.sh"
if [[ ! -x $REVGRAPH ]]; then
    die "revgraph binary not found at $REVGRAPH
build it first, e.g.:  cmake -S $ROOT -B $ROOT/build -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build -j
(or point REVGRAPH=/path/to/revgraph at another build)"
fi
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
"$PYTHON" -c 'import alembic, sys; sys.exit(alembic.__version__ != "1.8.1")' 2>/dev/null ||
    die "$PYTHON has no Alembic 1.8.1 (use /usr/bin/python3 with python3-alembic)"

SIZES=()
if (( $# == 0 )); then set -- 1000 10000 100000; fi
for s in "$@"; do
    case $s in
        *[kK]) s=$(( ${s%[kK]} * 1000 )) ;;
    esac
    if ! [[ $s =~ ^[0-9]+$ ]] || (( s < 20 )); then
        die "bad size '$s' (want an integer >= 20, or 1k/10k/100k)"
    fi
    SIZES+=("$s")
done

mkdir -p "$OUT/bin"
# Benchmark a private copy, so a rebuild of build/ during the run cannot break
# it or mix two binaries in one report.
RG_ORIG=$REVGRAPH
REVGRAPH=$OUT/bin/revgraph
for attempt in 1 2 3 4 5; do
    cp "$RG_ORIG" "$REVGRAPH.tmp" && mv -f "$REVGRAPH.tmp" "$REVGRAPH" &&
        "$REVGRAPH" --help >/dev/null 2>&1 && break
    (( attempt < 5 )) || die "cannot run a copy of $RG_ORIG (being rebuilt?)"
    sleep 2
done
RG_BUILT=$(date -u -r "$RG_ORIG" '+%Y-%m-%d %H:%M:%S UTC')
RG_COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- revgraph cmd CMakeLists.txt 2>/dev/null || echo ' (+ uncommitted changes)')"
T_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# Alembic's modules and the revision files get a warm bytecode cache (its normal
# state on a developer machine), kept outside the versions directories.
export PYTHONPYCACHEPREFIX=$OUT/pycache
unset PYTHONDONTWRITEBYTECODE
# revgraph's header cache (docs/configuration.md) lives in the output directory;
# every reference run starts without one, so it reads every file and writes it.
export XDG_CACHE_HOME=$OUT/cache
unset REVGRAPH_NO_CACHE REVGRAPH_CACHE_MIN_FILES
ALEMBIC=("$PYTHON" "$BENCH/alembic_sorted.py")

# ------------------------------------------------------------- helper functions

# peak RSS (kB), elapsed time and exit status of one run, from /usr/bin/time -v
# usage: measure_once OUTPREFIX TIMEOUT CMD...   (run in the current directory)
measure_once() {
    local prefix=$1 tmo=$2; shift 2
    local rc=0
    if [[ $tmo != 0 ]]; then
        /usr/bin/time -v -o "$prefix.time" timeout "$tmo" "$@" >"$prefix.out" 2>"$prefix.err" </dev/null || rc=$?
    else
        /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err" </dev/null || rc=$?
    fi
    echo "$rc" >"$prefix.rc"
    return 0
}

# wall-clock seconds of a reference run, from its /usr/bin/time -v output
elapsed_of() {
    awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"
}

# hyperfine options for a command whose reference run took the time in $1:
# fast commands get RG_WARMUP warmups and >= RG_MIN_RUNS runs (hyperfine also
# keeps going for 3 s); slower ones 1 warmup + 3 runs; from SLOW_S seconds on,
# none ("skip": the report uses the reference run).
run_spec() {
    local t
    t=$(elapsed_of "$1")
    if awk -v t="${t:-0}" -v s="$SLOW_S" 'BEGIN { exit !(t >= s) }'; then
        echo "skip"
    elif awk -v t="${t:-0}" 'BEGIN { exit !(t < 2) }'; then
        echo "--warmup $RG_WARMUP --min-runs $RG_MIN_RUNS"
    else
        echo "--warmup 1 --runs 3"
    fi
}

# usage: bench_one JSON "HYPERFINE OPTIONS" NAME COMMAND   (hyperfine -N, in the cwd)
bench_one() {
    local json=$1 spec=$2 name=$3 cmd=$4
    if [[ $spec == skip ]]; then
        log "  slow (reference run >= ${SLOW_S}s): not re-run, the report uses the reference run"
        return 0
    fi
    # shellcheck disable=SC2086
    if ! hyperfine -N --style basic $spec --export-json "$json" -n "$name" "$cmd" >&2; then
        log "warning: hyperfine failed on '$cmd' (it failed during timing); no time for it"
        rm -f "$json"
    fi
}

rg_cmd() { printf '%q -c alembic.ini %s' "$REVGRAPH" "$1"; }
al_cmd() { printf '%q %q -c alembic.ini %s' "${ALEMBIC[0]}" "${ALEMBIC[1]}" "$1"; }
cat_cmd() { printf "find migrations/versions -maxdepth 1 -name '*.%s' -exec cat {} +" "$1"; }

# ---------------------------------------------------------------------- per size
# gengraph.py takes the file-name slug and alembic.ini texts from alembic_files.py
GEN_HASH=$(cat "$BENCH/gengraph.py" "$BENCH/../tests/conformance/alembic_files.py" | sha256sum | cut -c1-16)
for n in "${SIZES[@]}"; do
    D=$OUT/n$n
    stamp="gengraph=$GEN_HASH seed=$SEED n=$n"
    if [[ -f $D/stamp && $(cat "$D/stamp") == "$stamp" ]]; then
        log "n=$n: reusing generated projects in $D"
    else
        log "n=$n: generating projects (py + yaml) in $D"
        rm -rf "$D"
        "$PYTHON" "$BENCH/gengraph.py" -n "$n" --seed "$SEED" -o "$D" >&2
        echo "$stamp" >"$D/stamp"
    fi
    rm -rf "$D/run"; mkdir -p "$D/run"
    R=$D/run

    # -- Alembic: one reference run per command (output + peak RSS)
    alembic_mode=bench
    if (( n > ALEMBIC_MAX )); then alembic_mode=$ALEMBIC_BIG; fi
    echo "$alembic_mode" >"$R/alembic_mode"
    if [[ $alembic_mode != skip ]]; then
        tmo=0; [[ $alembic_mode == once ]] && tmo=$ALEMBIC_TIMEOUT
        for c in "${COMMANDS[@]}"; do
            log "n=$n: alembic $c (reference run$([[ $tmo != 0 ]] && echo ", timeout ${tmo}s"))"
            (cd "$D/py" && measure_once "$R/alembic_py_$c" "$tmo" "${ALEMBIC[@]}" -c alembic.ini "$c")
        done
    fi

    # -- revgraph: one run per command and form (output + peak RSS), each the
    #    first run of a project: no header cache yet (it reads every file and
    #    writes the cache); with NO_CACHE_RUNS, one more with the cache off
    for form in py yaml; do
        for c in "${COMMANDS[@]}"; do
            log "n=$n: revgraph $c on .$form (reference run, no cache yet)"
            rm -rf "$XDG_CACHE_HOME"
            (cd "$D/$form" && measure_once "$R/revgraph_${form}_$c" "$RG_TIMEOUT" "$REVGRAPH" -c alembic.ini "$c")
            rc=$(cat "$R/revgraph_${form}_$c.rc")
            if [[ $rc != 0 ]]; then
                log "n=$n: revgraph $c on .$form exited $rc: $(head -c 300 "$R/revgraph_${form}_$c.err" | head -2)"
            fi
            if [[ $NO_CACHE_RUNS == 1 ]]; then
                log "n=$n: revgraph $c on .$form (reference run, cache off)"
                (cd "$D/$form" && REVGRAPH_NO_CACHE=1 measure_once "$R/nocache_${form}_$c" "$RG_TIMEOUT" \
                    "$REVGRAPH" -c alembic.ini "$c")
            fi
        done
    done

    # -- timings: one hyperfine call per command; fewer runs for slow ones
    for form in py yaml; do
        cd "$D/$form"
        for c in "${COMMANDS[@]}"; do
            [[ $(cat "$R/revgraph_${form}_$c.rc") == 0 ]] || continue
            # one run to write the cache (the reference runs emptied it), one that
            # reads it: its output is checked, and its time sets the hyperfine runs
            "$REVGRAPH" -c alembic.ini "$c" >/dev/null 2>&1 || true
            measure_once "$R/warm_${form}_$c" "$RG_TIMEOUT" "$REVGRAPH" -c alembic.ini "$c"
            log "n=$n: hyperfine revgraph $c on .$form"
            bench_one "$R/hf_${form}_$c.json" "$(run_spec "$R/warm_${form}_$c.time")" \
                "revgraph $c" "$(rg_cmd "$c")"
            if [[ $NO_CACHE_RUNS == 1 && $(cat "$R/nocache_${form}_$c.rc") == 0 ]]; then
                log "n=$n: hyperfine revgraph $c on .$form, cache off"
                REVGRAPH_NO_CACHE=1 bench_one "$R/hf_${form}_nocache_$c.json" \
                    "$(run_spec "$R/nocache_${form}_$c.time")" "revgraph-nocache $c" "$(rg_cmd "$c")"
            fi
        done
        /usr/bin/time -v -o "$R/cat_$form.time" \
            find migrations/versions -maxdepth 1 -name "*.$form" -exec cat {} + >/dev/null
        log "n=$n: hyperfine cat floor on .$form"
        bench_one "$R/hf_${form}_cat.json" "$(run_spec "$R/cat_$form.time")" "cat" "$(cat_cmd "$form")"
    done
    if [[ $alembic_mode == bench ]]; then
        cd "$D/py"
        runs=${ALEMBIC_RUNS:-$(( n <= 1000 ? 5 : 3 ))}
        for c in "${COMMANDS[@]}"; do
            [[ $(cat "$R/alembic_py_$c.rc") == 0 ]] || continue
            log "n=$n: hyperfine alembic $c on .py (1 warmup, $runs runs)"
            bench_one "$R/hf_alembic_$c.json" "--warmup 1 --runs $runs" "alembic $c" "$(al_cmd "$c")"
        done
    fi
    cd "$ROOT"
done

# ---------------------------------------------------------------------- report
T_END=$(date +%s)
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "cmdline=$CMDLINE"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "fs=$(df -T "$OUT" | awk 'NR==2 {print $2}')"
    echo "hyperfine=$(hyperfine --version | awk '{print $2}')"
    echo "python=$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
    echo "alembic=$("$PYTHON" -c 'import alembic; print(alembic.__version__)')"
    echo "revgraph=$RG_ORIG (copied to $REVGRAPH)"
    echo "revgraph_commit=$RG_COMMIT"
    echo "revgraph_binary=$RG_BUILT, sha256 $(sha256sum "$REVGRAPH" | cut -c1-12)"
    echo "sizes=${SIZES[*]}"
    echo "seed=$SEED"
    echo "rg_warmup=$RG_WARMUP"
    echo "rg_min_runs=$RG_MIN_RUNS"
    echo "alembic_max=$ALEMBIC_MAX"
    echo "alembic_runs=${ALEMBIC_RUNS:-5 (up to 1k) / 3 (larger)}"
    echo "alembic_big=$ALEMBIC_BIG"
    echo "alembic_timeout=$ALEMBIC_TIMEOUT"
    echo "rg_timeout=$RG_TIMEOUT"
    echo "slow_s=$SLOW_S"
    echo "no_cache_runs=$NO_CACHE_RUNS"
    echo "duration_s=$(( T_END - T_START ))"
    echo "loadavg=$LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
} >"$OUT/meta.txt"

"$PYTHON" "$BENCH/report.py" "$OUT" | tee "$OUT/results.md"
log "done in $(( T_END - T_START )) s; report in $OUT/results.md"
