#!/usr/bin/env bash
# The header cache never changes what revgraph prints: every command's
# stdout, stderr and exit status with the cache (first run: writing it;
# later runs: reading it) equal those with REVGRAPH_NO_CACHE=1, after files
# are edited in place (same size, even with the old mtime put back),
# touched, deleted or added, with broken files, and with a corrupt, truncated,
# foreign or unwritable cache.  Files changed within 2 s of a run, or dated
# in the future, are never recorded (on a file system with 1 s timestamps a
# later edit could keep their stat data).  Usage: test_cache.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export XDG_CACHE_HOME="$T/cache"
export REVGRAPH_CACHE_MIN_FILES=1
unset REVGRAPH_NO_CACHE
P="$T/proj"
V="$P/versions"
OLD=200001011200	# a timestamp long before the cache is written (touch -t)

# Compare one command with and without the cache.
same() { # name args...
  local name=$1
  shift
  local want want_err want_status got got_err got_status
  want=$(cd "$P" && REVGRAPH_NO_CACHE=1 "$RG" "$@" 2>"$T/want_err")
  want_status=$?
  got=$(cd "$P" && "$RG" "$@" 2>"$T/got_err")
  got_status=$?
  if [ "$want" = "$got" ] && [ "$want_status" = "$got_status" ] &&
     cmp -s "$T/want_err" "$T/got_err"; then
    ok
  else
    bad "$name: $*"
    printf '  status %s (want %s)\n' "$got_status" "$want_status"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20
    diff "$T/want_err" "$T/got_err" | head -10
  fi
}

# Every command twice: the first run may write the cache, the second reads it.
all_same() { # name
  local c
  for c in "heads" "heads -v" "heads --resolve-dependencies" "branches" "branches -v" \
           "history" "history -v" "history -r base:heads" "show head"; do
    # shellcheck disable=SC2086
    same "$1 (write)" $c
    # shellcheck disable=SC2086
    same "$1 (read)" $c
  done
}

pyrev() { # file id down [deps] [labels] [doc]
  cat > "$V/$1" <<EOF
"""${6:-message of $2}

Revision ID: $2
Revises: $3
Create Date: 2026-11-22 10:15:30.123456

"""
revision = '$2'
down_revision = $3
branch_labels = ${5:-None}
depends_on = ${4:-None}


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
EOF
}

cache_file() { ls "$XDG_CACHE_HOME"/revgraph/* 2>/dev/null | head -1; }

# Replace text in a file in place: same inode, and (for same-length text) same size.
inplace() { # file from to
  local content
  content=$(sed "s/$2/$3/" "$1")
  printf '%s\n' "$content" 1<> "$1"
}

mkdir -p "$V"
printf '[alembic]\nscript_location = %%(here)s\nsqlalchemy.url = sqlite:///%s/db.sqlite\n\n[revgraph:constants]\nBASE = 1000aaaa0001\n' \
  "$T" > "$P/alembic.ini"
pyrev 1000aaaa0001_base.py 1000aaaa0001 None
pyrev 2000bbbb0002_second.py 2000bbbb0002 "'1000aaaa0001'"
pyrev 3000cccc0003_branch.py 3000cccc0003 "'1000aaaa0001'" "" "'feature'"
pyrev 4000dddd0004_merge.py 4000dddd0004 "('2000bbbb0002', '3000cccc0003')"
pyrev 5000eeee0005_const.py 5000eeee0005 BASE "'4000dddd0004'"
pyrev 6000ffff0006_warns.py 6000ffff0006 "'5000eeee0005'" "make_deps()"
printf 'revision: 7000aaaa0007\ndown_revision: 6000ffff0006\nmessage: native yaml\ncreate_date: 2026-11-22 10:15:30\n' \
  > "$V/7000aaaa0007_yaml.yaml"
printf -- '-- revision: 8000bbbb0008\n-- down_revision: 7000aaaa0007\n-- message: plain sql\n-- upgrade\nSELECT 1;\n-- downgrade\nSELECT 2;\n' \
  > "$V/8000bbbb0008_sql.sql"
touch -t "$OLD" "$V"/*
sleep 3	# the files' ctimes must be 2 s older than a run, or its entries are racy

all_same "fresh project"
truth "the cache was written" test -s "$(cache_file)"
truth "the project holds nothing new" test ! -e "$V/__pycache__"
# a run that finds nothing changed reads every file from the cache and leaves it alone
stamp=$(stat -c %y "$(cache_file)")
(cd "$P" && "$RG" history > /dev/null 2>&1)
truth "an unchanged project leaves the cache as it is" test "$stamp" = "$(stat -c %y "$(cache_file)")"

# an edit in place that keeps the size, with the old mtime put back (only ctime tells)
ino=$(stat -c %i "$V/4000dddd0004_merge.py")
size=$(stat -c %s "$V/4000dddd0004_merge.py")
inplace "$V/4000dddd0004_merge.py" "'2000bbbb0002', '3000cccc0003'" "'3000cccc0003', '2000bbbb0002'"
touch -t "$OLD" "$V/4000dddd0004_merge.py"
truth "edited in place" test "$ino/$size" = "$(stat -c %i/%s "$V/4000dddd0004_merge.py")"
all_same "edited, same size, same mtime"

# an edit in place, same size, new mtime
inplace "$V/2000bbbb0002_second.py" "message of 2000bbbb0002" "message of 2000bbbb000X"
all_same "edited, same size"

touch "$V/3000cccc0003_branch.py"
stamp=$(stat -c %y "$(cache_file)")
all_same "touched"
truth "a touched file is read again and the cache rewritten" test "$stamp" != "$(stat -c %y "$(cache_file)")"

rm "$V/8000bbbb0008_sql.sql"
all_same "deleted"

pyrev 9000cccc0009_added.py 9000cccc0009 "'2000bbbb0002'"
all_same "added"
pyrev 9100dddd0010_added.py 9100dddd0010 "'9000cccc0009'"
touch -t "$OLD" "$V/9100dddd0010_added.py" "$V"
all_same "added with an old mtime"

# racy: a file changed just now, or dated in the future, is not recorded, however
# new the cache file looks; once 2 s old (and no longer in the future) it is
# an id as a record holds it (NUL-terminated), not as the listing does (in a file name)
recorded() { grep -a -q -P "\\x00$1\\x00" "$(cache_file)"; }
not_recorded() { ! recorded "$1"; }
# (one run right after the file is written: on a loaded machine all_same takes
# more than 2 s, after which the file is rightly recorded; try again if even one did)
for try in 1 2 3; do
  t0=$(date +%s%N)
  pyrev 9200eeee0012_racy.py 9200eeee0012 "'9100dddd0010'"
  pyrev 9300ffff0013_future.py 9300ffff0013 "'9200eeee0012'"
  touch -d '+1 hour' "$V/9300ffff0013_future.py"
  (cd "$P" && "$RG" heads > /dev/null 2>&1)
  touch -d '+2 hours' "$(cache_file)"
  (cd "$P" && "$RG" heads > /dev/null 2>&1)
  [ $(( $(date +%s%N) - t0 )) -lt 1500000000 ] && break
done
truth "a file changed just now is not recorded" not_recorded 9200eeee0012
truth "a file dated in the future is not recorded" not_recorded 9300ffff0013
all_same "racy and future files, cache dated later"
truth "a file dated in the future is not recorded, later either" not_recorded 9300ffff0013
sleep 3
all_same "racy and future files, 3 s later"
truth "a file 2 s old is recorded" recorded 9200eeee0012
truth "a file dated in the future is still not recorded" not_recorded 9300ffff0013
touch -t "$OLD" "$V/9300ffff0013_future.py"
rm "$V/9200eeee0012_racy.py"
sleep 3
all_same "future file back in the past"
truth "a file back in the past is recorded" recorded 9300ffff0013

# a cache file somebody else could have written is not read, and is replaced by ours
if [ "$(id -u)" = 0 ]; then
  chown 65534:65534 "$(cache_file)"
  all_same "cache file of another user"
  truth "a cache file of another user is replaced" test "$(stat -c %u "$(cache_file)")" = 0
fi
chmod 0666 "$(cache_file)"
all_same "cache file others can write to"
truth "a cache file others can write to is replaced" test "$(stat -c %a "$(cache_file)")" = 600
chmod 0777 "$XDG_CACHE_HOME/revgraph"
all_same "cache directory others can write to"
truth "a cache directory others can write to is closed" \
  test "$(stat -c %a "$XDG_CACHE_HOME/revgraph")" = 700

# a broken file is never cached: the same error every time
printf 'revision = "a000eeee0011"\ndown_revision = ("9000cccc0009",\n' > "$V/a000eeee0011_broken.py"
touch -t "$OLD" "$V/a000eeee0011_broken.py"
all_same "broken file"
rm "$V/a000eeee0011_broken.py"
all_same "broken file removed"

# the ini constants are part of what a file declared
sed -i 's/^BASE = .*/BASE = 2000bbbb0002/' "$P/alembic.ini"
all_same "constant changed"

# a damaged cache is ignored and written again
f=$(cache_file)
size=$(stat -c %s "$f")
printf 'X' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
all_same "one byte of the cache changed"
truth "the damaged cache was rewritten" test "$(stat -c %s "$(cache_file)")" -gt 100
truncate -s $((size / 3)) "$(cache_file)"
all_same "truncated cache"
: > "$(cache_file)"
all_same "empty cache"
head -c 4096 /dev/urandom > "$(cache_file)"
all_same "garbage cache"

# nowhere to write: still the same output, and not a word about it
rm -rf "$XDG_CACHE_HOME"
touch "$XDG_CACHE_HOME"
all_same "cache directory is a file"
rm -f "$XDG_CACHE_HOME"

# a cache written for a directory that is then too small to be cached
(cd "$P" && "$RG" heads > /dev/null 2>&1)
REVGRAPH_CACHE_MIN_FILES= all_same "below the threshold, with a cache file"
rm -rf "$XDG_CACHE_HOME"

# switched off
REVGRAPH_NO_CACHE=1 "$RG" -c "$P/alembic.ini" heads > /dev/null 2>&1
truth "REVGRAPH_NO_CACHE=1 writes no cache" test ! -e "$XDG_CACHE_HOME"

# small directories are not cached by default
REVGRAPH_CACHE_MIN_FILES= "$RG" -c "$P/alembic.ini" heads > /dev/null 2>&1
truth "a small directory is not cached" test ! -e "$XDG_CACHE_HOME"

# what running migrations reads from a revision comes back too: `transactional: false`
# (else VACUUM is refused) and whether a .py upgrade() does anything
rm -rf "$XDG_CACHE_HOME"
rm -f "$V"/*
printf 'revision: aaaa00000001\ndown_revision: null\nmessage: first\nupgrade: CREATE TABLE t (x INTEGER)\ndowngrade: DROP TABLE t\n' \
  > "$V/1_first.yaml"
printf 'revision: bbbb00000002\ndown_revision: aaaa00000001\nmessage: vacuum\ntransactional: false\nupgrade: VACUUM\ndowngrade: VACUUM\n' \
  > "$V/2_vacuum.yaml"
pyrev 3000cccc0003_noop.py 3000cccc0003 "'bbbb00000002'"
touch -t "$OLD" "$V"/*
sleep 3
for c in "upgrade heads --sql" "upgrade bbbb00000002 --sql" "downgrade bbbb00000002:base --sql"; do
  # shellcheck disable=SC2086
  same "migration (write)" $c
  # shellcheck disable=SC2086
  same "migration (read)" $c
done
out=$(cd "$P" && "$RG" upgrade heads --sql 2>&1)
truth "a non-transactional revision runs from the cache" test "${out#*VACUUM;}" != "$out"
# a body that cannot run is not cached with its header: the same error, file:line, every time
printf 'revision: dddd00000004\ndown_revision: 3000cccc0003\nmessage: bad body\nupgrade: SELECT 4\ndowngrade:\n  - no_such_operation: t\n' \
  > "$V/4_bad.yaml"
touch -t "$OLD" "$V/4_bad.yaml"
sleep 3
for c in "upgrade heads --sql" "downgrade dddd00000004:base --sql"; do
  # shellcheck disable=SC2086
  same "unrunnable body (write)" $c
  # shellcheck disable=SC2086
  same "unrunnable body (read)" $c
done
out=$(cd "$P" && "$RG" downgrade dddd00000004:base --sql 2>&1)
truth "an unrunnable body is reported from the cache too" test "${out#*4_bad.yaml:6}" != "$out"
rm "$V/4_bad.yaml"
sed -i 's/^    pass$/    op.drop_table("t")/' "$V/3000cccc0003_noop.py"
touch -t "$OLD" "$V/3000cccc0003_noop.py"
same "python body (write)" upgrade heads --sql
same "python body (read)" upgrade heads --sql
out=$(cd "$P" && "$RG" upgrade heads --sql 2>&1)
truth "a python upgrade() that does something is refused from the cache" test "${out#*Python code}" != "$out"

# a cached body keeps the revision's lock_timeout (PostgreSQL --sql needs no server)
P2=$P
P="$T/pgproj"
V="$P/versions"
mkdir -p "$V"
printf '[alembic]\nscript_location = %%(here)s\nsqlalchemy.url = postgresql://u@localhost/db\n' > "$P/alembic.ini"
printf 'revision: eeee00000001\ndown_revision: null\nmessage: slow ddl\nlock_timeout: 750ms\nupgrade: CREATE TABLE t (x INTEGER)\ndowngrade: DROP TABLE t\n' \
  > "$V/1_slow.yaml"
touch -t "$OLD" "$V"/* "$V"
sleep 3
same "lock_timeout (write)" upgrade heads --sql
same "lock_timeout (read)" upgrade heads --sql
out=$(cd "$P" && "$RG" upgrade heads --sql 2>&1)
truth "a cached body keeps its lock_timeout" test "${out#*SET lock_timeout = \'750ms\';}" != "$out"
P=$P2
V="$P/versions"

# Replace the revisions of $V by a line of N: a root, then ids 1001, 1002, ...; $prev is the last.
chain() { # N
  rm -f "$V"/*
  pyrev 0000000000aa_root.py 0000000000aa None
  prev=0000000000aa
  for i in $(seq 1 $(($1 - 1))); do
    id=$(printf '%012x' $((i + 0x1000)))
    pyrev "${id}_r.py" "$id" "'$prev'"
    prev=$id
  done
}

# a directory of 150 revisions is, and reads back the same
chain 150
touch -t "$OLD" "$V"/* "$V"
export REVGRAPH_CACHE_MIN_FILES=
all_same "150 revisions"
truth "a directory of 150 revisions is cached" test -s "$(cache_file)"
sed -i "s/message of $prev/message of XXXXXXXXXXXX/" "$V/${prev}_r.py"
all_same "150 revisions, one edited"

# A directory of 1200 revisions: a second thread stat()s its files while the
# records are used at once, and the map is built before every stat() is in.
# A file that changed since the cache was written must still be read again,
# and the revisions of another location (read the usual way) kept.
chain 1200
mid=$(printf '%012x' $((600 + 0x1000)))
W="$P/other"
mkdir -p "$W"
V=$W pyrev 0000000000bb_other.py 0000000000bb None "" "'other'"
V=$W pyrev 0000000000cc_more.py 0000000000cc "'0000000000bb'" "'$mid'"
printf '[alembic]\nscript_location = %%(here)s\nversion_locations = %%(here)s/versions %%(here)s/other\nsqlalchemy.url = sqlite:///%s/db.sqlite\n' \
  "$T" > "$P/alembic.ini"
touch -t "$OLD" "$V"/* "$V" "$W"/* "$W"
sleep 3
# The commands that run on the map before its records are confirmed, and
# settle at the end or when they open the database.  After an edit, only the
# first run finds a stale record (it drops it from the cache): each command
# gets the cache as it was before the edit.
big_same() { # name
  local c
  for c in "heads" "heads -v" "branches" "history" "history -v" "history -r $mid:heads" \
           "show $mid" "show 0123456789ab" "upgrade heads --sql" "downgrade $mid:base --sql" \
           "current" "history -i"; do
    [ -n "${BIG_CACHE:-}" ] && cp "$T/big.cache" "$BIG_CACHE"
    # shellcheck disable=SC2086
    same "$1" $c
  done
}
big_same "1200 revisions and another location"
BIG_CACHE=$(ls -t "$XDG_CACHE_HOME"/revgraph/* | head -1)
cp "$BIG_CACHE" "$T/big.cache"
inplace "$V/${mid}_r.py" "message of $mid" "message of XXXXXXXXXXXX"
touch -t "$OLD" "$V/${mid}_r.py"
big_same "1200 revisions, one edited in place"
cp "$T/big.cache" "$BIG_CACHE"
out=$(cd "$P" && "$RG" history -r "$mid:$mid" 2>&1)
truth "the edit is seen through the cache" test "${out#*XXXXXXXXXXXX}" != "$out"
V=$V pyrev "${mid}_r.py" "$mid" "'$(printf '%012x' $((599 + 0x1000)))'" "make_deps()"
big_same "1200 revisions, one now warns"
printf 'revision = (\n' > "$V/${mid}_r.py"
big_same "1200 revisions, one now broken"

finish ""
