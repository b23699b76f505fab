#!/usr/bin/env bash
# CLI behaviour on bad input: one clear line naming the file (file:line or
# file:line:column), a non-zero exit, and Alembic's exact texts where
# revgraph mirrors Alembic.  Usage: test_errors.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

project() { # dir: a fresh native project with versions/
  rm -rf "$T/$1"
  mkdir -p "$T/$1/versions"
  printf '[alembic]\nscript_location = %%(here)s\n' > "$T/$1/alembic.ini"
}

cd "$T"
check "missing config" 255 "FAILED: No config file 'nope.ini' found, or file has no '[alembic]' section" -- \
  "$RG" -c nope.ini heads
project p1
check "missing section" 255 "FAILED: No config file '$T/p1/alembic.ini' found, or file has no '[other]' section" -- \
  "$RG" -c "$T/p1/alembic.ini" -n other heads
check "unknown command" 2 "" -- "$RG" -c "$T/p1/alembic.ini" frobnicate
check "option needs a value" 2 "" -- "$RG" -c "$T/p1/alembic.ini" history -r -1:
check "empty project" 0 "" -- "$RG" -c "$T/p1/alembic.ini" heads

rev p1 a.yaml aaaa1111 null
printf 'revision: bbbb2222\ndown_revision: [aaaa1111\n' > "$T/p1/versions/b.yaml"
check "yaml syntax error names file:line:column" 255 \
  "FAILED: $T/p1/versions/b.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2)" -- \
  "$RG" -c "$T/p1/alembic.ini" heads

rev p1 b.yaml bbbb2222 zzzz9999
rev p1 c.yaml cccc3333 aaaa1111 'depends_on: [nope]
'
check "every broken reference reported" 255 \
  "FAILED: $T/p1/versions/b.yaml:2: Revision zzzz9999 referenced from bbbb2222 is not present
$T/p1/versions/c.yaml:4: Revision nope referenced as depends_on from cccc3333 is not present" -- \
  "$RG" -c "$T/p1/alembic.ini" history

project p2
rev p2 a.yaml aaaa1111 null
rev p2 b.yaml bbbb2222 cccc3333
rev p2 c.yaml cccc3333 bbbb2222
rev p2 d.yaml dddd4444 aaaa1111
check "cycle, Alembic's text" 255 "FAILED: Cycle is detected in revisions (bbbb2222, cccc3333)" -- \
  "$RG" -c "$T/p2/alembic.ini" heads

project p3
rev p3 a.yaml aaaa1111 null
rev p3 b.yaml bbbb2222 aaaa1111
rev p3 c.yaml cccc3333 aaaa1111
check "heads" 0 "bbbb2222 (head)
cccc3333 (head)" -- "$RG" -c "$T/p3/alembic.ini" heads
check "unknown revision" 255 "FAILED: Can't locate revision identified by 'nosuch'" -- \
  "$RG" -c "$T/p3/alembic.ini" show nosuch
check "ambiguous head" 255 "FAILED: Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads" -- \
  "$RG" -c "$T/p3/alembic.ini" show head
check "-x is accepted and kept" 0 "bbbb2222 (head)
cccc3333 (head)" -- "$RG" -x tenant=a -x dry -c "$T/p3/alembic.ini" heads
check "show current needs sqlalchemy.url" 255 \
  "FAILED: No 'sqlalchemy.url' key found in section [alembic] of $T/p3/alembic.ini: revgraph needs it to reach the database" -- \
  "$RG" -c "$T/p3/alembic.ini" show current
check "history -i needs sqlalchemy.url" 255 \
  "FAILED: No 'sqlalchemy.url' key found in section [alembic] of $T/p3/alembic.ini: revgraph needs it to reach the database" -- \
  "$RG" -c "$T/p3/alembic.ini" history -i
printf 'sqlalchemy.url = sqlite:///%%(here)s/no/such/dir/db.sqlite\n' >> "$T/p3/alembic.ini"
check "unreachable SQLite file" 255 \
  "FAILED: unable to open database file '$T/p3/no/such/dir/db.sqlite': unable to open database file" -- \
  "$RG" -c "$T/p3/alembic.ini" current
# libpq is loaded on the first PostgreSQL connection: a libpq.so.5 that
# lacks its functions is one clear line, before any connection is tried.
mkdir -p "$T/fakepq"
printf 'int rg_not_libpq;\n' > "$T/fakepq/empty.c"
if cc -shared -fPIC -o "$T/fakepq/libpq.so.5" "$T/fakepq/empty.c" 2>/dev/null; then
  sed 's|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://u:secret@localhost/none|' "$T/p3/alembic.ini" \
    > "$T/p3/pg.ini"
  check "libpq that cannot be loaded" 255 \
    "FAILED: PostgreSQL needs libpq, which could not be loaded: libpq.so.5 has no PQclear" -- \
    env LD_LIBRARY_PATH="$T/fakepq" "$RG" -c "$T/p3/pg.ini" current
fi
# libsqlite3 too is loaded when a command first needs SQLite.  A stand-in
# that ends the process when loaded shows which commands never load it; one
# that lacks its functions, that those which do stop with one line before
# the database file is touched.
mkdir -p "$T/boomlite" "$T/fakelite"
printf '#include <unistd.h>\n__attribute__((constructor)) static void boom(void) { _exit(99); }\n' \
  > "$T/boomlite/boom.c"
printf 'int rg_not_libsqlite3;\n' > "$T/fakelite/empty.c"
if cc -shared -fPIC -o "$T/boomlite/libsqlite3.so.0" "$T/boomlite/boom.c" 2>/dev/null &&
   cc -shared -fPIC -o "$T/fakelite/libsqlite3.so.0" "$T/fakelite/empty.c" 2>/dev/null; then
  sed "s|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///$T/p3/lite.db|" "$T/p3/alembic.ini" > "$T/p3/lite.ini"
  boom() { env LD_LIBRARY_PATH="$T/boomlite" "$@"; }
  nolite() { env LD_LIBRARY_PATH="$T/fakelite" "$@"; }
  check "the stand-in ends a run that loads it" 99 "" -- boom "$RG" -c "$T/p3/lite.ini" current
  check "heads does not load libsqlite3" 0 "bbbb2222 (head)
cccc3333 (head)" -- boom "$RG" -c "$T/p3/lite.ini" heads
  check "history does not load libsqlite3" 0 "aaaa1111 -> bbbb2222 (head), m bbbb2222
aaaa1111 -> cccc3333 (head), m cccc3333
<base> -> aaaa1111 (branchpoint), m aaaa1111" -- boom "$RG" -c "$T/p3/lite.ini" history
  check "upgrade --sql does not load libsqlite3" 0 "$(printf '%s\n' "CREATE TABLE alembic_version (" \
      "    version_num VARCHAR(32) NOT NULL, " \
      "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)" ");")" -- \
    bash -c 'LD_LIBRARY_PATH="$1" "$2" -c "$3" upgrade bbbb2222 --sql 2>/dev/null | sed -n 1,4p' \
    - "$T/boomlite" "$RG" "$T/p3/lite.ini"
  lite_failed="FAILED: SQLite needs libsqlite3, which could not be loaded: libsqlite3.so.0 has no sqlite3_bind_text"
  check "current without libsqlite3" 255 "$lite_failed" -- nolite "$RG" -c "$T/p3/lite.ini" current
  # the example's rebuilds are replayed into an in-memory SQLite database for --sql:
  # the one line, and no partial script
  check "upgrade --sql with rebuilds without libsqlite3" 255 "$lite_failed" -- \
    nolite "$RG" -c "$ROOT/versions-example/alembic.ini" upgrade heads --sql
  truth "no database file made without libsqlite3" test ! -e "$T/p3/lite.db"
  check "upgrade to aaaa1111" 0 "" -- quiet "$RG" -c "$T/p3/lite.ini" upgrade aaaa1111
  cp "$T/p3/lite.db" "$T/p3/lite.before"
  check "upgrade without libsqlite3" 255 "$lite_failed" -- nolite "$RG" -c "$T/p3/lite.ini" upgrade heads
  truth "database unchanged without libsqlite3" cmp -s "$T/p3/lite.db" "$T/p3/lite.before"
  check "version row kept" 0 "aaaa1111 (branchpoint)" -- "$RG" -c "$T/p3/lite.ini" current
else
  echo "SKIP the libsqlite3 stand-ins: no C compiler (cc) to build them"
fi
check "version needs no config" 0 "revgraph 0.1.0" -- "$RG" -x a -c /nonexistent --version
check "range without colon" 255 "FAILED: History range requires [start]:[end], [start]:, or :[end]" -- \
  "$RG" -c "$T/p3/alembic.ini" history -r aaaa
check "json heads" 0 '{"heads":["bbbb2222","cccc3333"]}' -- bash -c \
  "'$RG' -c '$T/p3/alembic.ini' heads --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({\"heads\": [h[\"revision\"] for h in d[\"heads\"]]}, separators=(\",\", \":\")))'"
check "branches" 0 "aaaa1111 (branchpoint)
         -> bbbb2222 (head)
         -> cccc3333 (head)" -- "$RG" -c "$T/p3/alembic.ini" branches

printf -- '-- revision: dddd4444\n-- down_revision: [bbbb2222, cccc3333]\n-- message: merge\n-- upgrade\nSELECT 1;\n' \
  > "$T/p3/versions/d.sql"
check "sql revision merges" 0 "bbbb2222, cccc3333 -> dddd4444 (head) (mergepoint), merge
aaaa1111 -> bbbb2222, m bbbb2222" -- \
  "$RG" -c "$T/p3/alembic.ini" history -r bbbb:

check "example project loads" 0 "0b0000000020 (head)
800000000008 (networking) (head)
e0000000000e (lib) (effective head)" -- "$RG" -c "$ROOT/versions-example/alembic.ini" heads

# A file reached twice (a location named twice, a location that is a link
# to another, a link to another location's file) is loaded once, with
# Alembic's warning naming its real path; the same when the listing and the
# records come from the header cache (second run).
dup_project() { # dir: locations a and b, two revisions in a
  rm -rf "${T:?}/$1"
  mkdir -p "$T/$1/a"
  printf '[alembic]\nscript_location = %%(here)s\nversion_locations = %%(here)s/a %%(here)s/b\n' \
    > "$T/$1/alembic.ini"
  printf 'revision: aaaa1111\ndown_revision: null\n' > "$T/$1/a/x.yaml"
  printf 'revision: bbbb2222\ndown_revision: aaaa1111\n' > "$T/$1/a/y.yaml"
}
twice() { printf 'warning: File %s loaded twice! ignoring. Please ensure version_locations is unique.\n' "$@"; }
R=$(realpath "$T")
dup_project d1
ln -s a "$T/d1/b"
ln -s d1 "$T/d1link"
dup_project d2
mkdir "$T/d2/b"
ln -s ../a/y.yaml "$T/d2/b/y.yaml"
printf 'revision: cccc3333\ndown_revision: bbbb2222\n' > "$T/d2/b/z.yaml"
dup_project d3
sed -i 's|%(here)s/b$|%(here)s/a|' "$T/d3/alembic.ini"
dup_project d4
mkdir -p "$T/d4/b/sub"
printf 'revision: cccc3333\ndown_revision: bbbb2222\n' > "$T/d4/b/sub/z.yaml"
printf 'recursive_version_locations = true\n' >> "$T/d4/alembic.ini"
# old enough to be cached (docs/configuration.md: racy entries are not)
find "$T"/d[1-4] -exec touch -h -d '1 hour ago' {} +
cached() { env XDG_CACHE_HOME="$T/dupcache" REVGRAPH_CACHE_MIN_FILES=1 "$@"; }
for run in "first run" "from the cache"; do
  check "location linked to another, $run" 0 "bbbb2222 (head)" -- cached "$RG" -c "$T/d1/alembic.ini" heads
  eq "location linked to another, $run: warnings" "$(cat "$T/stderr")" "$(twice "$R/d1/a/x.yaml" "$R/d1/a/y.yaml")"
  check "through a linked project, $run" 0 "bbbb2222 (head)" -- cached "$RG" -c "$T/d1link/alembic.ini" heads
  eq "through a linked project, $run: warnings" "$(cat "$T/stderr")" "$(twice "$R/d1/a/x.yaml" "$R/d1/a/y.yaml")"
  check "a link to another location's file, $run" 0 "cccc3333 (head)" -- \
    cached "$RG" -c "$T/d2/alembic.ini" heads
  eq "a link to another location's file, $run: warnings" "$(cat "$T/stderr")" "$(twice "$R/d2/a/y.yaml")"
  check "a location named twice, $run" 0 "bbbb2222 (head)" -- cached "$RG" -c "$T/d3/alembic.ini" heads
  eq "a location named twice, $run: warnings" "$(cat "$T/stderr")" "$(twice "$R/d3/a/x.yaml" "$R/d3/a/y.yaml")"
  check "recursive, nothing twice, $run" 0 "cccc3333 (head)" -- cached "$RG" -c "$T/d4/alembic.ini" heads
  eq "recursive, nothing twice, $run: warnings" "$(cat "$T/stderr")" ""
done
truth "the second runs had a cache to read" test "$(find "$T/dupcache" -type f | wc -l)" -ge 4

finish ""
