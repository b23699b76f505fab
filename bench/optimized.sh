# Sourced by run.sh and migrate.sh: make sure $REVGRAPH is an optimised build.
#
# With REVGRAPH unset, build/revgraph is configured (Release, unless build/
# already has an optimised build type) and built.  A binary whose build
# directory (the one holding it, or its parent) says Debug or no build type
# is refused: its numbers would say nothing about revgraph.  A binary with no
# CMakeCache.txt next to it is taken as it is, with a warning.
# BENCH_ALLOW_UNOPTIMIZED=1 turns the refusal into a warning.
# Needs ROOT (the source tree) and REVGRAPH (may be empty).

rg_build_type() { # binary -> the CMAKE_BUILD_TYPE of its build directory, "?" if unknown
    local d
    d=$(dirname "$1")
    for c in "$d/CMakeCache.txt" "$d/../CMakeCache.txt"; do
        if [[ -f $c ]]; then
            sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$c"
            return
        fi
    done
    echo "?"
}

if [[ -z ${REVGRAPH:-} ]]; then
    REVGRAPH=$ROOT/build/revgraph
    bt=$( [[ -f $ROOT/build/CMakeCache.txt ]] && rg_build_type "$REVGRAPH" || echo "")
    case $bt in
        Release|RelWithDebInfo|MinSizeRel) cfg=() ;;
        *) cfg=(-DCMAKE_BUILD_TYPE=Release) ;;
    esac
    echo "building an optimised $REVGRAPH" >&2
    cmake -S "$ROOT" -B "$ROOT/build" "${cfg[@]}" >/dev/null &&
        cmake --build "$ROOT/build" -j"$(nproc)" --target revgraph >/dev/null ||
        { echo "cannot build $REVGRAPH" >&2; exit 1; }
fi
case $(rg_build_type "$REVGRAPH") in
    Release|RelWithDebInfo|MinSizeRel) ;;
    "?") echo "warning: cannot tell how $REVGRAPH was built (no CMakeCache.txt next to it); make sure it is optimised" >&2 ;;
    *)
        if [[ ${BENCH_ALLOW_UNOPTIMIZED:-0} = 1 ]]; then
            echo "warning: $REVGRAPH is not an optimised build" >&2
        else
            echo "$REVGRAPH is not an optimised build (CMAKE_BUILD_TYPE '$(rg_build_type "$REVGRAPH")'); rebuild with -DCMAKE_BUILD_TYPE=Release, or set BENCH_ALLOW_UNOPTIMIZED=1" >&2
            exit 1
        fi ;;
esac
