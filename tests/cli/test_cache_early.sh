#!/usr/bin/env bash
# The early load of large cached directories never changes what revgraph
# prints or does.  A directory of 512 or more cached files has its records
# used before its files are stat()ed; at most 4 directories load so (the
# 5th the ordinary way).  With several of them (recursive_version_locations)
# and an edit in place in one, another or both, and with a stale cache
# under upgrade, stamp and downgrade on SQLite (which settle before they
# open the database), every command's stdout, stderr, exit status and the
# database afterwards equal those with REVGRAPH_NO_CACHE=1.  Each command
# gets the cache as it was before the edit.  Usage: test_cache_early.sh
# REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export XDG_CACHE_HOME="$T/cache"
unset REVGRAPH_NO_CACHE REVGRAPH_CACHE_MIN_FILES
P="$T/proj"
V="$P/versions"
OLD=200001011200	# long before the cache is written (touch -t)
N=520			# files in a large directory: more than 512 are cached

# Put the cache back as it was before the edit ($T/cache.snap), if kept.
restore_cache() {
  if [ -d "$T/cache.snap" ]; then
    rm -rf "$XDG_CACHE_HOME/revgraph"
    cp -a "$T/cache.snap" "$XDG_CACHE_HOME/revgraph"
  fi
}

keep_cache() {
  rm -rf "$T/cache.snap"
  cp -a "$XDG_CACHE_HOME/revgraph" "$T/cache.snap"
}

# Compare one command with and without the cache (and the database after it, if any).
same() { # name args...
  local name=$1
  shift
  local want want_status got got_status
  [ -f "$T/db0" ] && cp "$T/db0" "$T/db.sqlite"
  want=$(cd "$P" && REVGRAPH_NO_CACHE=1 "$RG" "$@" 2>"$T/want_err")
  want_status=$?
  [ -f "$T/db0" ] && sqlite3 "$T/db.sqlite" .dump > "$T/want_db"
  [ -f "$T/db0" ] && cp "$T/db0" "$T/db.sqlite"
  restore_cache
  got=$(cd "$P" && "$RG" "$@" 2>"$T/got_err")
  got_status=$?
  [ -f "$T/db0" ] && sqlite3 "$T/db.sqlite" .dump > "$T/got_db"
  if [ "$want" = "$got" ] && [ "$want_status" = "$got_status" ] &&
     cmp -s "$T/want_err" "$T/got_err" && { [ ! -f "$T/db0" ] || cmp -s "$T/want_db" "$T/got_db"; }; then
    ok
  else
    bad "$name: $*"
    printf '  status %s (want %s)\n' "$got_status" "$want_status"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -10
    diff "$T/want_err" "$T/got_err" | head -10
    [ -f "$T/db0" ] && diff "$T/want_db" "$T/got_db" | head -10
  fi
}

# The id of revision number $1 of the line.
id() { printf '%012x' $(($1 + 0x1000)); }

# Replace text in a file in place: same inode and size, the old mtime put back (only ctime tells).
inplace() { # file from to
  local content
  content=$(sed "s/$2/$3/" "$1")
  printf '%s\n' "$content" 1<> "$1"
  touch -t "$OLD" "$1"
}

# Python revisions: one line of ids from $1 to $2 (each revising the one before), files in $3.
pyline() { # first last dir
  mkdir -p "$3"
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
first, last, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rid = lambda i: '%012x' % (i + 0x1000)
for i in range(first, last + 1):
    down = 'None' if i == 0 else "'%s'" % rid(i - 1)
    with open('%s/%s_r.py' % (d, rid(i)), 'w') as f:
        f.write('"""message of %s\n\nRevision ID: %s\n"""\nrevision = \'%s\'\n'
                'down_revision = %s\nbranch_labels = None\ndepends_on = None\n'
                % (rid(i), rid(i), rid(i), down))
EOF
}

# Every command of one scenario; each gets the cache as it was before the edit.
cmds_same() { # name
  local c
  for c in "heads" "history -r $(id 290):$(id 310)" "show $(id 800)" \
           "upgrade $(id 790):$(id 802) --sql"; do
    # shellcheck disable=SC2086
    same "$1" $c
  done
}

# ---- several large directories, read recursively ----
# versions/ holds the root; a/ and b/ (then c/, d/, e/) N revisions each, one line through all.
mkdir -p "$V" "$XDG_CACHE_HOME"
printf '[alembic]\nscript_location = %%(here)s\nrecursive_version_locations = true\nsqlalchemy.url = sqlite:///%s/db.sqlite\n' \
  "$T" > "$P/alembic.ini"
pyline 0 0 "$V"
pyline 1 $N "$V/a"
pyline $((N + 1)) $((2 * N)) "$V/b"
touch -t "$OLD" "$V" "$V"/* "$V"/*/*
sleep 3	# the files' ctimes must be 2 s older than a run, or their entries are racy

# two large directories: the cache written, then read
same "two directories (write)" heads
cmds_same "two directories (read)"
truth "a cache file for each large directory" test "$(find "$XDG_CACHE_HOME/revgraph" -type f | wc -l)" = 2
keep_cache
# an edit in place in one, in the other, in both: a down_revision one back further (a branch)
edit() { # n: revision n revises n - 2
  local f
  f=$(echo "$V"/*/"$(id "$1")"_r.py)
  inplace "$f" "down_revision = '$(id $(($1 - 1)))'" "down_revision = '$(id $(($1 - 2)))'"
}
edit 300
cmds_same "two directories, the first edited"
out=$(cd "$P" && "$RG" heads 2>&1)
truth "the edit in the first is seen through the cache" test "${out#*"$(id 299)"}" != "$out"
# the edited file recorded once it is 2 s old: the first directory's cache holds nothing stale
sleep 3
same "two directories, the first edited (recorded)" heads
keep_cache
edit 800
cmds_same "two directories, the second edited"
edit 301
cmds_same "two directories, both edited"

# five large directories: the 5th is loaded the ordinary way
pyline $((2 * N + 1)) $((3 * N)) "$V/c"
pyline $((3 * N + 1)) $((4 * N)) "$V/d"
pyline $((4 * N + 1)) $((5 * N)) "$V/e"
touch -t "$OLD" "$V" "$V"/* "$V"/*/*
sleep 3
rm -rf "$T/cache.snap" "$XDG_CACHE_HOME/revgraph"
same "five directories (write)" heads
same "five directories (read)" heads
truth "a cache file for each large directory" test "$(find "$XDG_CACHE_HOME/revgraph" -type f | wc -l)" = 5
keep_cache
edit 302
cmds_same "five directories, the first edited"
edit $((4 * N + 100))
cmds_same "five directories, the first and the fifth edited"
sleep 3
same "five directories, two edited (recorded)" heads
keep_cache
edit $((4 * N + 200))
cmds_same "five directories, the fifth edited"

# ---- upgrade, stamp and downgrade on SQLite with a stale cache ----
# These settle before they open the database: with a record found stale the
# map is built again before anything is run.  One directory of N plain SQL
# revisions; the last ten create a table each (and their downgrades drop it).
P="$T/sqlproj"
V="$P/versions"
mkdir -p "$V"
printf '[alembic]\nscript_location = %%(here)s\nsqlalchemy.url = sqlite:///%s/db.sqlite\n' "$T" > "$P/alembic.ini"
python3 - "$N" "$V" <<'EOF'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
rid = lambda i: '%012x' % (i + 0x1000)
for i in range(n):
    down = 'null' if i == 0 else rid(i - 1)
    up, dn = ('CREATE TABLE t_%s (x INTEGER);' % rid(i), 'DROP TABLE t_%s;' % rid(i)) \
        if i >= n - 10 else ('SELECT 1;', 'SELECT 2;')
    with open('%s/%s_r.sql' % (d, rid(i)), 'w') as f:
        f.write('-- revision: %s\n-- down_revision: %s\n-- message: r %s\n'
                '-- upgrade\n%s\n-- downgrade\n%s\n' % (rid(i), down, rid(i), up, dn))
EOF
touch -t "$OLD" "$V" "$V"/*
sleep 3
rm -rf "$T/cache.snap" "$XDG_CACHE_HOME/revgraph"
# the database at N - 4, with the tables of the revisions up to it
silent env REVGRAPH_NO_CACHE=1 "$RG" -c "$P/alembic.ini" upgrade "$(id $((N - 4)))"
cp "$T/db.sqlite" "$T/db0"
tables() { sqlite3 "$T/db.sqlite" "SELECT count(*) FROM sqlite_master WHERE name LIKE '$1'"; }
eq "the database holds the tables up to N - 4" "$(tables 't_%')" 7
db_same() { # name: each command from the database at N - 4
  local c
  for c in "upgrade head" "upgrade heads" "stamp head" "stamp heads" "downgrade -1" "current"; do
    # shellcheck disable=SC2086
    same "$1" $c
  done
}
same "SQL revisions (write)" heads
db_same "SQL revisions (read)"
keep_cache
# an edit of the upgrade of N - 2 (another table) and of the downgrade of N - 4 (it drops nothing)
inplace "$V/$(id $((N - 2)))_r.sql" "CREATE TABLE t_" "CREATE TABLE u_"
inplace "$V/$(id $((N - 4)))_r.sql" "DROP TABLE t_" "SELECT 1; -- "
db_same "SQL revisions, two bodies edited"
cp "$T/db0" "$T/db.sqlite"
restore_cache
silent "$RG" -c "$P/alembic.ini" upgrade head
eq "the edited upgrade ran through the cache" "$(tables "u_$(id $((N - 2)))")" 1
sleep 3
same "SQL revisions, two bodies edited (recorded)" heads
keep_cache
# an edit of the down_revision of the last: a branch off N - 3, two heads
inplace "$V/$(id $((N - 1)))_r.sql" "down_revision: $(id $((N - 2)))" "down_revision: $(id $((N - 3)))"
db_same "SQL revisions, a down_revision edited"
rm -f "$T/db0"

finish ""
