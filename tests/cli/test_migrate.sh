#!/usr/bin/env bash
# Running migrations on SQLite: upgrade/downgrade/stamp/current on the
# example project, failures that must leave the database as it was, the
# checks made before anything runs, and concurrent runners.
# Usage: test_migrate.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"

rows() { sqlite3 "$1" 'SELECT version_num FROM alembic_version ORDER BY 1' | tr '\n' ' '; }
dump() { sqlite3 "$1" .dump; }

project() { # dir [extra ini]: a fresh native project with versions/ and a SQLite URL
  project_at "$1" 'sqlite:///%(here)s/db.sqlite' "${2:-}"
}

# --- the example project, up and down ---------------------------------------
cp -r "$ROOT/versions-example" "$T/ex"
rm -f "$T/ex/example.db"
cd "$T/ex"
check "upgrade heads" 0 "" -- "$RG" upgrade heads
eq "rows after upgrade heads" "$(rows example.db)" "0b0000000020 800000000008 "
check "current" 0 "0b0000000020 (head)
800000000008 (head)
e0000000000e (effective head)" -- "$RG" current
grep -q 'Running upgrade 900000000009, a0000000000a, b0000000000b -> c0000000000c, merge login events, orders and sale prices' "$T/stderr" 2>/dev/null
"$RG" upgrade heads 2>"$T/log" </dev/null
if grep -q 'Running upgrade' "$T/log"; then bad "second upgrade heads runs nothing"; else ok; fi
check "history -i marks rows" 0 "0a0000000010 -> 0b0000000020 (head) (current), rebuild account and orders with batch_alter_table" -- \
  sh -c "'$RG' history -i | head -1"
check "show current" 0 "Rev: 0b0000000020 (head)
Rev: 800000000008 (head)" -- sh -c "'$RG' show current | grep '^Rev:' | sort"
check "downgrade -1 with several rows" 0 "" -- "$RG" downgrade networking@-1
eq "rows after networking@-1" "$(rows example.db)" "0b0000000020 700000000007 "
check "stamp moves the table only" 0 "" -- "$RG" stamp 600000000006 0b0000000020
# as in Alembic: 0b0000000020 descends from 600000000006 through depends_on, so
# both rows share its lineage and become one step down to it
eq "rows after stamp" "$(rows example.db)" "600000000006 "
eq "stamp ran nothing" "$(sqlite3 example.db "SELECT count(*) FROM sqlite_master WHERE name = 'ip_address'")" "1"
"$RG" stamp 700000000007 0b0000000020 2>/dev/null </dev/null
check "downgrade base" 0 "" -- "$RG" downgrade base
eq "downgrade base empties the table" "$(rows example.db)" ""
eq "downgrade base drops every table but the version table" \
  "$(sqlite3 example.db "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'")" "alembic_version"
check "current of an empty table" 0 "" -- "$RG" current
check "range without --sql" 255 "FAILED: Range revision not allowed" -- "$RG" upgrade 100000000001:heads
check "downgrade --sql needs a range" 255 "FAILED: downgrade with --sql requires <fromrev>:<torev>" -- \
  "$RG" downgrade --sql base
check "two ':' in a range" 255 "FAILED: Revision range 'a:b:c' has more than one ':'" -- "$RG" upgrade --sql a:b:c
check "offline upgrade" 0 "CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> e0000000000e

CREATE TABLE currency (
    code CHAR(3) NOT NULL PRIMARY KEY,
    name VARCHAR(50) NOT NULL,
    minor_units INTEGER NOT NULL DEFAULT 2
);

INSERT INTO alembic_version (version_num) VALUES ('e0000000000e');" -- "$RG" upgrade --sql lib@head

# --- a failing statement rolls back its migration ---------------------------
project fail
rev fail 1.yaml aaaa00000001 null 'upgrade: CREATE TABLE one (id INTEGER)'
rev fail 2.yaml aaaa00000002 aaaa00000001 'upgrade: |
  CREATE TABLE two (id INTEGER);
  INSERT INTO two VALUES (1);
  INSERT INTO nosuch VALUES (1);'
cd "$T/fail"
check "failing statement names file:line" 255 "FAILED: $T/fail/versions/2.yaml:7: no such table: nosuch" -- \
  "$RG" upgrade heads
grep -q 'INSERT INTO nosuch VALUES (1)' "$T/stderr" && ok || bad "failing statement shown on stderr"
eq "earlier migration kept, failed one rolled back" "$(rows db.sqlite)" "aaaa00000001 "
eq "no half-applied schema" "$(sqlite3 db.sqlite "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)")" \
  "alembic_version,one"

# --- checks made before anything runs ---------------------------------------
project pre
rev pre 1.yaml bbbb00000001 null 'upgrade: CREATE TABLE one (id INTEGER)'
rev pre 2.yaml bbbb00000002 bbbb00000001 'upgrade: VACUUM'
cd "$T/pre"
check "statement that cannot run in a transaction" 255 \
  "FAILED: $T/pre/versions/2.yaml:4: cannot VACUUM from within a transaction; add 'transactional: false' to the revision's header to run it outside a transaction" -- \
  "$RG" upgrade heads
[ -e db.sqlite ] && [ -n "$(sqlite3 db.sqlite "SELECT name FROM sqlite_master WHERE name = 'one'")" ] \
  && bad "refused run changed nothing" || ok
rev pre 2.yaml bbbb00000002 bbbb00000001 'upgrade: VACUUM' 'transactional: false
'
check "transactional: false runs it" 0 "" -- "$RG" upgrade heads
eq "rows after non-transactional revision" "$(rows db.sqlite)" "bbbb00000002 "
rev pre 3.yaml bbbb00000003 bbbb00000002 'upgrade: |
  BEGIN;
  CREATE TABLE three (id INTEGER);
  COMMIT;'
check "transaction control refused" 255 \
  "FAILED: $T/pre/versions/3.yaml:5: transaction control statements are not allowed in a revision; revgraph begins and commits the transactions itself" -- \
  "$RG" upgrade heads
printf '"""py\n\nRevision ID: bbbb00000004\n"""\nfrom alembic import op\nrevision = "bbbb00000004"\ndown_revision = "bbbb00000002"\n\ndef upgrade():\n    op.create_table("x")\n\ndef downgrade():\n    pass\n' \
  > "$T/pre/versions/4.py"
rm "$T/pre/versions/3.yaml"
before=$(dump db.sqlite)
check "python body refused" 255 \
  "FAILED: $T/pre/versions/4.py: upgrade() is Python code, which revgraph cannot run; run this revision with Alembic, or stamp past it" -- \
  "$RG" upgrade heads
eq "python refusal left the database alone" "$(dump db.sqlite)" "$before"
check "stamp past a python revision" 0 "" -- "$RG" stamp heads
eq "rows after stamp heads" "$(rows db.sqlite)" "bbbb00000004 "
rev pre 5.yaml bbbb00000005 bbbb00000004 '
upgrade:
  - truncate_table: five'
check "unknown operation refused" 255 \
  "FAILED: $T/pre/versions/5.yaml:6: operation 'truncate_table' is not supported by this version of revgraph; write it as 'sql:'" -- \
  "$RG" upgrade heads
rm "$T/pre/versions/5.yaml"

# --- where Alembic 1.8.1 crashes or leaves overlapping rows -------------------
project redundant
rev redundant 1.yaml eeee00000001 null 'upgrade: SELECT 1'
rev redundant 2.yaml eeee00000002 eeee00000001 'upgrade: SELECT 2'
rev redundant 3.yaml eeee00000003 '[eeee00000001, eeee00000002]' 'upgrade: SELECT 3'
cd "$T/redundant"
check "redundant 2-way merge up" 0 "" -- "$RG" upgrade heads
eq "rows after redundant merge" "$(rows db.sqlite)" "eeee00000003 "
check "redundant 2-way merge down" 0 "" -- "$RG" downgrade eeee00000002
# 1.8.1 leaves {eeee00000001, eeee00000002}, and every later upgrade fails
eq "no overlapping rows after unmerge" "$(rows db.sqlite)" "eeee00000002 "
check "upgrade again" 0 "" -- "$RG" upgrade heads
rev redundant 4.yaml eeee00000004 eeee00000001 'upgrade: SELECT 4'
rev redundant 5.yaml eeee00000005 '[eeee00000001, eeee00000003, eeee00000004]' 'upgrade: SELECT 5'
check "redundant 3-way merge (1.8.1: KeyError)" 0 "" -- "$RG" upgrade heads
eq "rows after redundant 3-way merge" "$(rows db.sqlite)" "eeee00000005 "
check "relative walk off the graph (1.8.1: AssertionError)" 255 "FAILED: Walked too far" -- \
  "$RG" upgrade eeee00000002+9
check "relative walk from the rows" 255 "FAILED: Relative revision +1 didn't produce 1 migrations" -- \
  "$RG" upgrade +1

# --- rows the scripts do not know --------------------------------------------
cd "$T/pre"
sqlite3 db.sqlite "INSERT INTO alembic_version VALUES ('deadbeef0000')"
check "unknown row" 255 "FAILED: Can't locate revision identified by 'deadbeef0000'" -- "$RG" current
check "unknown row stops upgrade" 255 "FAILED: Can't locate revision identified by 'deadbeef0000'" -- "$RG" upgrade heads
check "stamp --purge is the way out" 0 "" -- "$RG" stamp --purge bbbb00000002
eq "rows after purge" "$(rows db.sqlite)" "bbbb00000002 "

# --- Alembic's order of checks, and what a command leaves behind -------------
project unk
rev unk 1.yaml cccc00000001 null 'upgrade: CREATE TABLE c1 (id INTEGER)'
rev unk 2.yaml cccc00000002 cccc00000001 'upgrade: CREATE TABLE c2 (id INTEGER)'
rev unk 3.yaml cccc00000003 cccc00000001 'upgrade: CREATE TABLE c3 (id INTEGER)'
cd "$T/unk"
has_table() { sqlite3 db.sqlite "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"; }
check "current on a new database" 0 "" -- "$RG" current
eq "current creates no version table (Alembic's dont_mutate)" "$(has_table)" "0"
check "a failed upgrade" 255 "FAILED: Can't locate revision identified by 'nope'" -- "$RG" upgrade nope
eq "a failed upgrade leaves no version table (Alembic leaves an empty one)" "$(has_table)" "0"
check "history -i on a new database" 0 "cccc00000001 -> cccc00000002 (head), m cccc00000002
cccc00000001 -> cccc00000003 (head), m cccc00000003
<base> -> cccc00000001 (branchpoint), m cccc00000001" -- "$RG" history -i
eq "history -i creates the version table, as Alembic" "$(has_table)" "1"
"$RG" upgrade cccc00000002 2>/dev/null </dev/null
sqlite3 db.sqlite "INSERT INTO alembic_version VALUES ('deadbeef0000')"
check "current -v names the database before the unknown row" 255 "Current revision(s) for sqlite:///$T/unk/db.sqlite:
FAILED: Can't locate revision identified by 'deadbeef0000'" -- "$RG" current -v
check "history -i marks the rows it knows" 0 "cccc00000001 -> cccc00000002 (head) (current), m cccc00000002
cccc00000001 -> cccc00000003 (head), m cccc00000003
<base> -> cccc00000001 (branchpoint), m cccc00000001" -- "$RG" history -i
check "history -r current: needs every row" 255 "FAILED: Can't locate revision identified by 'deadbeef0000'" -- \
  "$RG" history -r current:
check "ensure_version reads no rows" 0 "" -- "$RG" ensure_version
check "a bad target comes before the unknown row" 255 "FAILED: Can't locate revision identified by 'nope'" -- \
  "$RG" upgrade nope
check "+1 from several rows is ambiguous before any row is looked up" 255 \
  "FAILED: Ambiguous upgrade from multiple current revisions" -- "$RG" upgrade +1
check "an upgrade to -1 is refused before any row is looked up" 255 \
  "FAILED: Relative revision -1 didn't produce 1 migrations" -- "$RG" upgrade -1
check "-1 walks from the first row, then meets the unknown one" 255 \
  "FAILED: Can't locate revision identified by 'deadbeef0000'" -- "$RG" downgrade -1
eq "-1 from several rows warns first" "$(grep -c 'UserWarning: downgrade -1 from multiple heads is ambiguous' "$T/stderr")" "1"
eq "failed commands changed nothing" "$(rows db.sqlite)" "cccc00000002 deadbeef0000 "
check "stamp --sql --purge fails after the opening log lines" 255 "FAILED: Can't use --purge with --sql mode" -- \
  "$RG" stamp --sql --purge heads
eq "log lines of stamp --sql --purge" "$(cat "$T/stderr")" "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.
INFO  [alembic.runtime.migration] Generating static SQL
INFO  [alembic.runtime.migration] Will assume non-transactional DDL.
ERROR [alembic.util.messaging] Can't use --purge with --sql mode"
sed 's|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://u@localhost/none|' alembic.ini > pg.ini
check "PostgreSQL --sql prints the outer BEGIN before a planning error" 255 "BEGIN;

FAILED: Can't locate revision identified by 'nope'" -- "$RG" -c pg.ini upgrade --sql nope

# --- URLs ----------------------------------------------------------------------
project url1
sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = mysql://user:secret@localhost/db|' "$T/url1/alembic.ini"
rev url1 1.yaml cccc00000001 null 'upgrade: SELECT 1'
cd "$T/url1"
out=$("$RG" upgrade heads 2>&1 </dev/null); status=$?
eq "other database status" "$status" "255"
case "$out" in *secret*) bad "password shown: $out" ;; *mysql*) ok ;; *) bad "other database message: $out" ;; esac
project url2
sed -i '/sqlalchemy.url/d' "$T/url2/alembic.ini"
cd "$T/url2"
check "no url" 255 "FAILED: No 'sqlalchemy.url' key found in section [alembic] of alembic.ini: revgraph needs it to reach the database" -- \
  "$RG" current

# SQLite URL query parameters, as SQLAlchemy's pysqlite dialect reads them
project url3
rev url3 1.yaml cccc00000001 null 'upgrade: CREATE TABLE u (id INTEGER)'
cd "$T/url3"
sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///file:%(here)s/u.db?uri=true\&cache=private\&timeout=2|' alembic.ini
check "uri=true opens a SQLite URI" 0 "" -- "$RG" upgrade heads
eq "the URI's file was migrated" "$(rows u.db)" "cccc00000001 "
sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///file:%(here)s/u.db?mode=ro\&uri=true|' alembic.ini
check "mode=ro reads" 0 "cccc00000001 (head)" -- "$RG" current
check "mode=ro refuses writes" 255 "FAILED: attempt to write a readonly database" -- "$RG" stamp base
eq "mode=ro changed nothing" "$(rows u.db)" "cccc00000001 "
sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///%(here)s/v.db?uri=maybe|' alembic.ini
check "uri must be a boolean" 255 "FAILED: String is not true/false: 'maybe' (the 'uri' parameter of the SQLite URL)" -- \
  "$RG" current
eq "a bad URL creates no file" "$(ls v.db 2>/dev/null)" ""
sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = sqlite:///%(here)s/v.db?foo=bar\&timeout=1.5|' alembic.ini
check "without uri=true other keys are ignored, as SQLAlchemy does" 0 "" -- "$RG" current

# --- concurrent runners apply each revision once ---------------------------
slow='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) FROM c'
project conc
cd "$T/conc"
rev conc 0.yaml dddd00000000 null 'upgrade: CREATE TABLE trail (seq INTEGER PRIMARY KEY AUTOINCREMENT, rev TEXT)'
prev=dddd00000000
for i in 1 2 3 4; do
  rev conc "$i.yaml" "dddd0000000$i" "$prev" "upgrade: |
  $slow;
  INSERT INTO trail (rev) VALUES ('dddd0000000$i');"
  prev=dddd0000000$i
done
"$RG" upgrade heads 2>"$T/c1.log" </dev/null & p1=$!
# the others start once the first holds the lock (its holder line is in the
# lock file), so they must wait however slowly this machine starts processes
for _ in $(seq 100); do
  grep -q 'pid' db.sqlite.revgraph-lock 2>/dev/null && break
  sleep 0.1
done
"$RG" upgrade heads 2>"$T/c2.log" </dev/null & p2=$!
"$RG" upgrade heads 2>"$T/c3.log" </dev/null & p3=$!
wait $p1; s1=$?; wait $p2; s2=$?; wait $p3; s3=$?
eq "concurrent runners succeed" "$s1 $s2 $s3" "0 0 0"
eq "each revision applied once" "$(sqlite3 db.sqlite 'SELECT group_concat(rev) FROM trail')" \
  "dddd00000001,dddd00000002,dddd00000003,dddd00000004"
if grep -q 'Waiting for the migration lock, held by revgraph pid' "$T"/c?.log; then ok; else
  bad "a waiting runner says who it waits for"; cat "$T"/c?.log; fi

# --- lock timeout ------------------------------------------------------------
"$RG" downgrade dddd00000002 2>/dev/null </dev/null
printf 'revgraph.lock_timeout = 0.3\n' >> alembic.ini
before=$(rows db.sqlite)
"$RG" upgrade heads 2>/dev/null </dev/null & holder=$!
# start waiting once the holder has the lock (its line is in the lock file),
# not after a fixed sleep that a loaded machine can outrun
for _ in $(seq 100); do
  grep -q 'pid' db.sqlite.revgraph-lock 2>/dev/null && break
  sleep 0.1
done
out=$("$RG" upgrade heads 2>/dev/null </dev/null); status=$?
wait $holder
case "$out" in
  "FAILED: timed out after 0.3 s waiting for the migration lock held by revgraph pid "*) ok ;;
  *) bad "lock timeout message: $out" ;;
esac
eq "lock timeout status" "$status" "255"
eq "the holder finished the work" "$(rows db.sqlite)" "dddd00000004 "
# downgrades write nothing to the trail; the holder's upgrade re-ran 3 and 4 once
eq "trail after timeout" "$(sqlite3 db.sqlite 'SELECT count(*) FROM trail')" "6"

# --- --sql on a terminal: the log lines among the SQL, where Alembic's show ---
# (Alembic writes the SQL to stdout line by line and logs each step's "Running"
# line after its BEGIN and the CREATE TABLE of the first step, before its
# "-- Running" comment; revgraph buffers both and must keep that order)
cd "$T/ex"
"$RG" upgrade --sql lib@head > "$T/sql.out" 2> "$T/sql.err"
script -qec "$RG upgrade --sql lib@head" /dev/null < /dev/null | tr -d '\r' > "$T/pty.out"
awk -v errf="$T/sql.err" '
  BEGIN { while ((getline l < errf) > 0) { if (l ~ /\] Running /) run[++nr] = l; else print l } }
  /^-- Running / { print run[++k] }
  { print }' "$T/sql.out" > "$T/pty.want"
eq "--sql on a terminal: log lines where Alembic shows them" "$(cat "$T/pty.out")" "$(cat "$T/pty.want")"
eq "--sql on a terminal: every line" "$(wc -l < "$T/pty.out")" "$(cat "$T/sql.out" "$T/sql.err" | wc -l)"
grep -q '^INFO  \[alembic.runtime.migration\] Running upgrade ' "$T/pty.out" && ok || bad "--sql on a terminal: log lines shown"

# --- schema operations ---------------------------------------------------------
project ops
# (fixtures.sh) 1.yaml: account (id, email, order) and Item cascading from it;
# 2.yaml: account.note, Item renamed to items
ops_revs ops ''
cd "$T/ops"
check "ops upgrade" 0 "" -- "$RG" upgrade heads
eq "ops schema" "$(sqlite3 db.sqlite "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1" | tr '\n' ' ')" \
  "index ix_account_email table account table alembic_version table items "
sqlite3 db.sqlite "INSERT INTO account (email) VALUES ('a@x'); INSERT INTO items (account_id) VALUES (1)"
eq "ops default and autoincrement" "$(sqlite3 db.sqlite "SELECT id, email, \"order\", note FROM account")" "1|a@x|0|"
sqlite3 db.sqlite "INSERT INTO account (email) VALUES ('a@x')" 2>&1 | grep -q "UNIQUE constraint failed: index 'ix_account_email'" &&
  ok || bad "ops unique expression index"
sqlite3 db.sqlite "INSERT INTO account (email) VALUES (NULL)" 2>&1 | grep -q "NOT NULL constraint failed: account.email" &&
  ok || bad "ops not null"
sqlite3 db.sqlite "INSERT INTO account (email, \"order\") VALUES ('b', -1)" 2>&1 | grep -q "CHECK constraint failed" &&
  ok || bad "ops check"
check "ops downgrade one (derived)" 0 "" -- "$RG" downgrade -1
eq "ops derived downgrade" "$(sqlite3 db.sqlite "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1" | tr '\n' ' ')" \
  "Item account alembic_version "
eq "ops derived downgrade drops the column" "$(sqlite3 db.sqlite "SELECT count(*) FROM pragma_table_info('account') WHERE name = 'note'")" "0"
eq "ops rows kept by the rename back" "$(sqlite3 db.sqlite 'SELECT account_id FROM "Item"')" "1"
check "ops downgrade base (derived)" 0 "" -- "$RG" downgrade base
eq "ops all gone" "$(sqlite3 db.sqlite "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1" | tr '\n' ' ')" "alembic_version "
"$RG" upgrade heads --sql > up.sql 2>/dev/null
grep -q '^ALTER TABLE "Item" RENAME TO items;$' up.sql && ok || bad "ops --sql rename"
grep -q "^    email VARCHAR(200) NOT NULL DEFAULT 'it''s',$" up.sql && ok || bad "ops --sql literal"
"$RG" downgrade oooo00000002:base --sql > down.sql 2>/dev/null
eq "ops --sql derived downgrade" "$(grep -E '^(ALTER|DROP)' down.sql | tr '\n' ' ')" \
  'ALTER TABLE items RENAME TO "Item"; ALTER TABLE account DROP COLUMN note; DROP INDEX ix_account_email; DROP TABLE "Item"; DROP TABLE account; DROP TABLE alembic_version; '
# a lossy operation without an explicit downgrade stops before any change
"$RG" upgrade heads 2>/dev/null
rev ops 3.yaml oooo00000003 oooo00000002 '
upgrade:
  - drop_index: ix_account_email
  - create_index: ix_account_email2
    table: account
    columns: [email]'
check "ops upgrade 3" 0 "" -- "$RG" upgrade heads
before=$(dump db.sqlite)
check "ops lossy downgrade refused" 255 \
  "FAILED: $T/ops/versions/3.yaml:6: 'drop_index' cannot be undone from its own text; write the revision's 'downgrade:'" -- \
  "$RG" downgrade base
eq "ops lossy refusal left the database alone" "$(dump db.sqlite)" "$before"
# a malformed operation stops before anything runs
rev ops 4.yaml oooo00000004 oooo00000003 '
upgrade:
  - create_table: t4
    columns: [{name: a, type: int}]
  - create_index: ix
    table: t4
    where: a > 0); DROP TABLE account; --'
check "ops malformed refused" 255 \
  "FAILED: $T/ops/versions/4.yaml:10: create_index: 'where' has an unbalanced ')'" -- \
  "$RG" upgrade heads
eq "ops malformed left the database alone" "$(dump db.sqlite)" "$before"
# an operation SQLite refuses fails with file:line and rolls back its migration
rev ops 4.yaml oooo00000004 oooo00000003 '
upgrade:
  - create_table: t4
    columns: [{name: a, type: int}]
  - add_column: account
    column: {name: code, type: text, unique: true}'
out=$("$RG" upgrade heads 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/ops/versions/4.yaml:8: "*"Cannot add a UNIQUE column"*) ok ;;
  *) bad "ops SQLite refusal: $out" ;;
esac
eq "ops SQLite refusal status" "$status" "255"
eq "ops SQLite refusal left the database alone" "$(dump db.sqlite)" "$before"
cd "$T"

# --- --sql: each body's statements and its lock_timeout, cache on or off ---------
# (the --sql writer renders the bodies before it writes; the lock_timeout
# statements follow the run's order: SET from the revision, RESET after it)
project lt
printf 'sqlalchemy.url = postgresql://u@localhost/db\n' >> "$T/lt/alembic.ini"
sed -i '/sqlite:/d' "$T/lt/alembic.ini"
rev lt 1.yaml a1 null 'upgrade: |
  CREATE TABLE t (x INTEGER);
  CREATE INDEX ix ON t (x)' 'lock_timeout: 750ms
'
rev lt 2.yaml a2 a1 'upgrade: ALTER TABLE t ADD COLUMN y INTEGER'
rev lt 3.yaml a3 a2 'upgrade: ALTER TABLE t ADD COLUMN z INTEGER'
rev lt 4.yaml a4 a3 'upgrade: null' 'lock_timeout: 1s
'
rev lt 5.yaml a5 a4 'upgrade:
  - sql: SELECT 1
    dialect: sqlite
  - sql: "SELECT\t2;SELECT 3"
    dialect: postgresql' 'lock_timeout: 2s
'
printf -- '-- revision: a6\n-- down_revision: a5\n-- message: six\n\n-- upgrade\nSELECT 6;\n\n-- downgrade\nSELECT 7;\n' \
  > "$T/lt/versions/6.sql"
lt_want="BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> a1

SET lock_timeout = '750ms';

CREATE TABLE t (x INTEGER);

CREATE INDEX ix ON t (x);

INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;

-- Running upgrade a1 -> a2

RESET lock_timeout;

ALTER TABLE t ADD COLUMN y INTEGER;

UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';

-- Running upgrade a2 -> a3

ALTER TABLE t ADD COLUMN z INTEGER;

UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a2';

-- Running upgrade a3 -> a4

UPDATE alembic_version SET version_num='a4' WHERE alembic_version.version_num = 'a3';

-- Running upgrade a4 -> a5

SET lock_timeout = '2s';

SELECT    2;

SELECT 3;

UPDATE alembic_version SET version_num='a5' WHERE alembic_version.version_num = 'a4';

-- Running upgrade a5 -> a6

RESET lock_timeout;

SELECT 6;

UPDATE alembic_version SET version_num='a6' WHERE alembic_version.version_num = 'a5';

COMMIT;"
cd "$T/lt"
check "--sql bodies and lock_timeout, files read" 0 "$lt_want" -- \
  env REVGRAPH_NO_CACHE=1 "$RG" upgrade head --sql
# files changed in the last 2 s are not cached (test_cache.sh: racy entries)
touch -t 202001010000 versions/* versions
sleep 3
check "--sql bodies and lock_timeout, cache written" 0 "$lt_want" -- \
  env REVGRAPH_CACHE_MIN_FILES=1 XDG_CACHE_HOME="$T/lt-cache" "$RG" upgrade head --sql
eq "--sql bodies and lock_timeout: cache file written" "$(ls "$T/lt-cache/revgraph" | wc -l)" "1"
check "--sql bodies and lock_timeout, cache read" 0 "$lt_want" -- \
  env REVGRAPH_CACHE_MIN_FILES=1 XDG_CACHE_HOME="$T/lt-cache" "$RG" upgrade head --sql
cd "$T"

# --- --sql over a long plan: bodies rendered on two threads, output in order ----
# (from 1024 steps the second half of the bodies is split, checked and framed
# on a second thread; the text must be what one pass writes, and a failure
# the first failing step's.  SQL files are rendered ahead whether cached or
# read now; a YAML file read now is not, as its operations may need the
# rebuild engine)
project long
n_long=1100
sql_rev() { # step body...: a .sql revision
  local i=$1 id down
  shift
  id=$(printf 'c%011d' "$i")
  if ((i == 0)); then down=null; else down=$(printf 'c%011d' $((i - 1))); fi
  rm -f "$T/long/versions/$id".*
  { printf -- '-- revision: %s\n-- down_revision: %s\n-- message: step %d\n\n-- upgrade\n' "$id" "$down" "$i"
    printf '%s\n' "$@"; } > "$T/long/versions/$id.sql"
}
for ((i = 0; i < n_long; i++)); do
  sql_rev "$i" "INSERT INTO t (n) VALUES ($i);" "-- a comment; with a semicolon" "SELECT	$i,	'a;b'"
done
{
  printf 'CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n'
  for ((i = 0; i < n_long; i++)); do
    id=$(printf 'c%011d' "$i")
    if ((i == 0)); then prev=''; else prev=$(printf 'c%011d' $((i - 1))); fi
    printf -- '-- Running upgrade %s -> %s\n\n' "$prev" "$id"
    printf 'INSERT INTO t (n) VALUES (%d);\n\nSELECT    %d,    '"'a;b'"';\n\n' "$i" "$i"
    if ((i == 0)); then
      printf "INSERT INTO alembic_version (version_num) VALUES ('%s');\n\n" "$id"
    else
      printf "UPDATE alembic_version SET version_num='%s' WHERE alembic_version.version_num = '%s';\n\n" "$id" "$prev"
    fi
  done
} > "$T/long.want"
cd "$T/long"
REVGRAPH_NO_CACHE=1 "$RG" upgrade head --sql > "$T/long.out" 2> "$T/long.err"; status=$?
eq "--sql of $n_long steps, files read: status" "$status" "0"
if cmp -s "$T/long.out" "$T/long.want"; then ok; else bad "--sql of $n_long steps, files read: text"; diff "$T/long.want" "$T/long.out" | head -5; fi
eq "--sql of $n_long steps: log lines in order" "$(grep -c 'Running upgrade' "$T/long.err") $(tail -1 "$T/long.err")" \
  "$n_long INFO  [alembic.runtime.migration] Running upgrade c00000001098 -> c00000001099, step 1099"
touch -t 202001010000 versions/* versions
sleep 3
for run in written read; do
  XDG_CACHE_HOME="$T/long-cache" "$RG" upgrade head --sql > "$T/long.out" 2>/dev/null
  if cmp -s "$T/long.out" "$T/long.want"; then ok; else bad "--sql of $n_long steps, cache $run: text"; fi
done
# failures: the first failing step's, whichever half it is in
sql_rev 1000 "SELECT 1;" "SELECT 'open"
check "--sql of $n_long steps: a failure in the second half" 255 \
  "FAILED: $T/long/versions/c00000001000.sql:line 7: unterminated quoted string" -- \
  env XDG_CACHE_HOME="$T/long-cache" "$RG" upgrade head --sql
sql_rev 10 "SELECT 1;" "SELECT 'open"
check "--sql of $n_long steps: a failure in each half, the first reported" 255 \
  "FAILED: $T/long/versions/c00000000010.sql:line 7: unterminated quoted string" -- \
  env XDG_CACHE_HOME="$T/long-cache" "$RG" upgrade head --sql
sql_rev 10 "SELECT 10;"
sql_rev 1000 "SELECT 1000;"
sql_rev 1050 "COMMIT"
check "--sql of $n_long steps: a bad statement near the end" 255 \
  "FAILED: $T/long/versions/c00000001050.sql:6: transaction control statements are not allowed in a revision; revgraph begins and commits the transactions itself" -- \
  env XDG_CACHE_HOME="$T/long-cache" "$RG" upgrade head --sql
cd "$T"

# --- operations run by the SQLite rebuild engine, in the step's transaction --
project alter
# 1.yaml (fixtures.sh): account (id, name, legacy) with ann and bob; item (id,
# account_id cascading from account, qty) with (1,1,5) (2,2,-1) (3,2,7)
alter_base_rev alter ', references: account.id, on_delete: cascade'
# foreign keys on for the connection from here on in the run, as an application sets them
rev alter 2.yaml aaaa00000002 aaaa00000001 '
upgrade:
  - sql: PRAGMA foreign_keys = ON
downgrade:
  - sql: PRAGMA foreign_keys = ON' 'transactional: false
'
# a CHECK the rows break: the rebuild fails, its schema change and version row with it
rev alter 3.yaml aaaa00000003 aaaa00000002 '
upgrade:
  - batch_alter_table: account
    ops:
      - drop_column: legacy
      - alter_column: name
        type: text
  - create_check_constraint: ck_item_qty
    table: item
    condition: qty > 0
downgrade:
  - drop_constraint: ck_item_qty
    table: item
  - batch_alter_table: account
    ops:
      - alter_column: name
        type: string(50)
      - add_column: {name: legacy, type: text}'
cd "$T/alter"
check "alter: base tables" 0 "" -- "$RG" upgrade aaaa00000001
schema() { sqlite3 "$1" "SELECT sql FROM sqlite_master ORDER BY name; SELECT * FROM account; SELECT * FROM item"; }
before=$(schema db.sqlite)
out=$("$RG" upgrade head 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/alter/versions/3.yaml:11: "*"CHECK constraint failed"*) ok ;;
  *) bad "alter: failing CHECK reported with file:line: $out" ;;
esac
eq "alter: failing rebuild status" "$status" "255"
eq "alter: failing rebuild left schema and rows alone" "$(schema db.sqlite)" "$before"
eq "alter: failing rebuild left the version row (the non-transactional step before it stays)" \
  "$(rows db.sqlite)" "aaaa00000002 "
sqlite3 db.sqlite 'PRAGMA integrity_check' | grep -qx ok && ok || bad "alter: integrity after a failed rebuild"
# fixed rows; the rebuild of the parent with foreign keys on keeps its cascading
# children (switched off for the step), and they are back on for the next step:
# an orphan row fails there
sed -i 's/^  - sql: PRAGMA foreign_keys = ON$/  - sql: PRAGMA foreign_keys = ON\n  - sql: UPDATE item SET qty = 1 WHERE qty < 0/' versions/2.yaml
rev alter 4.yaml aaaa00000004 aaaa00000003 '
upgrade:
  - sql: INSERT INTO item VALUES (9, 99, 1)
downgrade: []'
check "alter: back to 1" 0 "" -- "$RG" downgrade aaaa00000001
out=$("$RG" upgrade head 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/alter/versions/4.yaml:6: FOREIGN KEY constraint failed") ok ;;
  *) bad "alter: foreign keys restored after the rebuild step: $out" ;;
esac
eq "alter: version row moved by the rebuild" "$(rows db.sqlite)" "aaaa00000003 "
eq "alter: children kept" "$(sqlite3 db.sqlite 'SELECT id, account_id, qty FROM item ORDER BY id' | tr '\n' ' ')" "1|1|5 2|2|1 3|2|7 "
eq "alter: column dropped, type changed" "$(sqlite3 db.sqlite "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('account')")" "id:INTEGER name:TEXT"
eq "alter: rows kept" "$(sqlite3 db.sqlite 'SELECT id, name FROM account ORDER BY id' | tr '\n' ' ')" "1|ann 2|bob "
eq "alter: fk clean" "$(sqlite3 db.sqlite 'PRAGMA foreign_key_check')" ""
rm versions/4.yaml
check "alter: downgrade through the rebuild" 0 "" -- "$RG" downgrade aaaa00000002
eq "alter: downgrade version row" "$(rows db.sqlite)" "aaaa00000002 "
eq "alter: downgrade shape" "$(sqlite3 db.sqlite "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('account')")" "id:INTEGER name:VARCHAR(50) legacy:TEXT"
eq "alter: downgrade children kept" "$(sqlite3 db.sqlite 'SELECT count(*) FROM item')" "3"
# a new foreign key violation: rolled back, naming the rows
rev alter 5.yaml aaaa00000005 aaaa00000003 '
upgrade:
  - batch_alter_table: item
    ops:
      - add_column: {name: owner, type: integer, default: 42}
      - create_foreign_key: fk_item_owner
        columns: [owner]
        referent_table: account
        referent_columns: [id]
downgrade: []'
check "alter: up again" 0 "" -- "$RG" upgrade aaaa00000003
before=$(dump db.sqlite)
out=$("$RG" upgrade head 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/alter/versions/5.yaml:6: changing table 'item' would break 3 foreign key references, so nothing was changed"*) ok ;;
  *) bad "alter: new fk violation refused: $out" ;;
esac
eq "alter: fk violation left the database alone" "$(dump db.sqlite)" "$before"
eq "alter: fk violation left the version row" "$(rows db.sqlite)" "aaaa00000003 "
# foreign keys are off for a rebuild step, so its other statements are checked
# by the runner: an orphan insert or a parent delete whose cascade would not run
# rolls the step back; deleting the children in the revision works
rev alter 5.yaml aaaa00000005 aaaa00000003 '
upgrade:
  - batch_alter_table: account
    ops:
      - alter_column: name
        nullable: true
  - sql: INSERT INTO item VALUES (9, 99, 1)
downgrade: []'
check "alter: down to 1 (foreign keys on again in the run)" 0 "" -- "$RG" downgrade aaaa00000001
check "alter: up to 3 with foreign keys on" 0 "" -- "$RG" upgrade aaaa00000003
at3=$(dump db.sqlite)
check "alter: down to 1 again" 0 "" -- "$RG" downgrade aaaa00000001
out=$("$RG" upgrade head 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/alter/versions/5.yaml: this revision leaves 1 row breaking a foreign key ('item' rowid 9 references 'account'), and foreign keys are not enforced in a revision that rebuilds a table, so the revision must delete or fix those rows itself, or be split so the rebuild runs in a revision of its own; it was rolled back") ok ;;
  *) bad "alter: orphan insert next to a rebuild refused: $out" ;;
esac
eq "alter: orphan insert status" "$status" "255"
eq "alter: orphan insert rolled back" "$(dump db.sqlite)" "$at3"
sed -i 's/^  - sql: INSERT INTO item VALUES (9, 99, 1)$/  - sql: DELETE FROM account WHERE id = 2/' versions/5.yaml
check "alter: down to 1 for the delete" 0 "" -- "$RG" downgrade aaaa00000001
out=$("$RG" upgrade head 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/alter/versions/5.yaml: this revision leaves 2 rows breaking a foreign key ('item' rowid 2 references 'account'; 'item' rowid 3 references 'account'), and foreign keys"*"it was rolled back") ok ;;
  *) bad "alter: parent delete next to a rebuild refused: $out" ;;
esac
eq "alter: parent delete rolled back" "$(dump db.sqlite)" "$at3"
sed -i 's/^  - sql: DELETE FROM account WHERE id = 2$/  - sql: DELETE FROM item WHERE account_id = 2; DELETE FROM account WHERE id = 2/' versions/5.yaml
check "alter: down to 1 for the fixed delete" 0 "" -- "$RG" downgrade aaaa00000001
check "alter: children deleted by the revision" 0 "" -- "$RG" upgrade head
eq "alter: parent and children gone" "$(sqlite3 db.sqlite 'SELECT count(*) FROM account; SELECT group_concat(id) FROM item' | tr '\n' ' ')" "1 1 "
check "alter: back to 3" 0 "" -- "$RG" downgrade aaaa00000003
rm versions/5.yaml
# recreate: never refuses a change that needs a rebuild, before anything runs
rev alter 5.yaml aaaa00000005 aaaa00000003 '
upgrade:
  - batch_alter_table: item
    recreate: never
    ops:
      - alter_column: account_id
        new_name: acct
      - alter_column: qty
        nullable: false
downgrade: []'
before=$(dump db.sqlite)
check "alter: recreate never refused" 255 \
  "FAILED: $T/alter/versions/5.yaml:6: alter_column on table 'item' needs a table rebuild, and recreate is 'never'" -- \
  "$RG" upgrade head
eq "alter: recreate never left the database alone" "$(dump db.sqlite)" "$before"
# ... and does in place what SQLite can: a rename, with recreate never; its
# downgrade (no downgrade: key) is derived: the rename back
rev alter 5.yaml aaaa00000005 aaaa00000003 '
upgrade:
  - batch_alter_table: item
    recreate: never
    ops:
      - alter_column: account_id
        new_name: acct'
check "alter: recreate never in place" 0 "" -- "$RG" upgrade head
eq "alter: renamed in place" "$(sqlite3 db.sqlite "SELECT group_concat(name) FROM pragma_table_info('item')")" "id,acct,qty"
check "alter: derived downgrade renames back" 0 "" -- "$RG" downgrade aaaa00000003
eq "alter: renamed back" "$(sqlite3 db.sqlite "SELECT group_concat(name) FROM pragma_table_info('item')")" "id,account_id,qty"
rm versions/5.yaml
# --sql prints the rebuilds, knowing the tables from a replay of the path in memory;
# a revision in that path that cannot be replayed stops it, naming the file
printf '"""py\n\nRevision ID: aaaa00000099\n"""\nfrom alembic import op\nrevision = "aaaa00000099"\ndown_revision = None\n\ndef upgrade():\n    op.execute("x")\n\ndef downgrade():\n    pass\n' \
  > versions/0.py
sed -i 's/^down_revision: null$/down_revision: aaaa00000099/' versions/1.yaml
out=$("$RG" upgrade aaaa00000002:aaaa00000003 --sql 2>&1 >/dev/null); status=$?
case "$out" in
  *"$T/alter/versions/0.py: --sql on SQLite replays the revisions before the range to know the tables a rebuild changes, and this one's upgrade() is Python code; run the range online"*) ok ;;
  *) bad "alter: --sql replay of Python refused: $out" ;;
esac
eq "alter: --sql replay refusal status" "$status" "255"
rm versions/0.py
sed -i 's/^down_revision: aaaa00000099$/down_revision: null/' versions/1.yaml
cd "$T"

# --- unnamed constraints: the same drop_constraint as on PostgreSQL
# (test_migrate_pg.sh runs these two revisions there)
project portable
portable_revs portable
cd "$T/portable"
check "portable: create" 0 "" -- "$RG" upgrade pppp00000001
cols_before=$(sqlite3 db.sqlite "SELECT sql FROM sqlite_master WHERE name = 'member'")
eq "portable: SQLite keeps the constraints unnamed" "$cols_before" 'CREATE TABLE member (
    id INTEGER PRIMARY KEY,
    email TEXT UNIQUE,
    n INTEGER CHECK (n > 0),
    acct_id INTEGER REFERENCES acct (id)
, owner_id INTEGER REFERENCES acct (id))'
check "portable: drop them by the rule's names" 0 "" -- "$RG" upgrade head
eq "portable: only the key left" "$(sqlite3 db.sqlite "SELECT sql FROM sqlite_master WHERE name = 'member'")" 'CREATE TABLE "member" (
    id INTEGER PRIMARY KEY,
    email TEXT,
    n INTEGER,
    acct_id INTEGER, owner_id INTEGER)'
cd "$T"

# --- versions-example: the rebuilds of 0b0000000020 with data, up, down, up ----
cp -r "$ROOT/versions-example" "$T/exdata"
rm -f "$T/exdata/example.db"
cd "$T/exdata"
check "exdata: up to f" 0 "" -- "$RG" upgrade f0000000000f
check "exdata: up to 0a" 0 "" -- "$RG" upgrade 0a0000000010
sqlite3 example.db "
  INSERT INTO account (id, name, email) VALUES (1, 'ann', 'ann@x'), (2, 'bob', NULL), (3, 'cy', 'cy@x');
  INSERT INTO orders (id, account_id, total_cents) VALUES (10, 1, 500), (11, 1, 250), (12, 3, 0);
  INSERT INTO order_line (order_id, sku, qty) VALUES (10, 'A', 1), (10, 'B', 2), (11, 'C', 3), (12, 'D', 4);
  DELETE FROM account_audit;"
sums() {
  sqlite3 example.db "SELECT id, name, created_at, email FROM account ORDER BY id;
    SELECT id, account_id, placed_at, total_cents FROM orders ORDER BY id;
    SELECT * FROM order_line ORDER BY id;
    SELECT * FROM v_account_orders ORDER BY id" | md5sum
}
before=$(sums)
check "exdata: upgrade heads (rebuilds)" 0 "" -- "$RG" upgrade heads
eq "exdata: every row and value kept by the rebuilds" "$(sums)" "$before"
eq "exdata: account rebuilt" "$(sqlite3 example.db "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('account')")" \
  "id:INTEGER name:VARCHAR(200) created_at:TIMESTAMP email:VARCHAR(255) status:VARCHAR(20)"
eq "exdata: new column's default on old rows" "$(sqlite3 example.db "SELECT group_concat(status) FROM account")" "active,active,active"
case "$(sqlite3 example.db "UPDATE account SET status = 'gone' WHERE id = 1" 2>&1)" in
  *"CHECK constraint failed: ck_account_status"*) ok ;;
  *) bad "exdata: CHECK in force" ;;
esac
sqlite3 example.db "UPDATE account SET name = 'ann2' WHERE id = 1"
eq "exdata: the audit trigger fires after the rebuild" "$(sqlite3 example.db "SELECT account_id || ':' || action FROM account_audit")" "1:update"
eq "exdata: the view answers" "$(sqlite3 example.db "SELECT n_orders || ':' || total_cents FROM v_account_orders WHERE id = 1")" "2:750"
eq "exdata: foreign keys clean, integrity ok" "$(sqlite3 example.db 'PRAGMA foreign_key_check; PRAGMA integrity_check')" "ok"
eq "exdata: index of the child kept" "$(sqlite3 example.db "SELECT name FROM sqlite_master WHERE name = 'ix_order_line_order_id'")" "ix_order_line_order_id"
sqlite3 example.db "UPDATE account SET name = 'ann' WHERE id = 1; DELETE FROM account_audit"
check "exdata: downgrade through the rebuilds" 0 "" -- "$RG" downgrade 0a0000000010
eq "exdata: rows and values after downgrade" "$(sums)" "$before"
eq "exdata: account shape after downgrade" "$(sqlite3 example.db "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('account')")" \
  "id:INTEGER name:VARCHAR(100) created_at:TIMESTAMP email:VARCHAR(255)"
check "exdata: upgrade again" 0 "" -- "$RG" upgrade heads
eq "exdata: rows and values after up, down, up" "$(sums)" "$before"
eq "exdata: cascade still works" "$(sqlite3 example.db "PRAGMA foreign_keys = ON; DELETE FROM orders WHERE id = 10; SELECT count(*) FROM order_line")" "2"
cd "$T"

# --- --sql on SQLite: the rebuilds as a script, equal to running them online --
cd "$T/exdata"
rm -f example.db
"$RG" upgrade 0a0000000010 2>/dev/null
sqlite3 example.db "INSERT INTO account (id, name, email) VALUES (1, 'ann', 'ann@x');
  INSERT INTO orders (id, account_id, total_cents) VALUES (10, 1, 500);
  INSERT INTO order_line (order_id, sku, qty) VALUES (10, 'A', 1)"
cp example.db script.db
"$RG" upgrade 0a0000000010:0b0000000020 --sql > up.sql 2>/dev/null
eq "--sql rebuild: PRAGMAs around each rebuild" "$(grep -E '^(PRAGMA foreign_keys.*|BEGIN.*;|COMMIT;)$' up.sql | tr '\n' ' ')" \
  "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE; COMMIT; PRAGMA foreign_keys = ON; PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE; COMMIT; PRAGMA foreign_keys = ON; "
grep -q '^CREATE TABLE main."_rg_new_account" ($' up.sql && ok || bad "--sql rebuild: the new table"
sqlite3 script.db < up.sql > /dev/null 2>&1 && ok || bad "--sql rebuild: the script runs"
"$RG" upgrade 0b0000000020 2>/dev/null
eq "--sql rebuild: the script leaves what the online run leaves" "$(sqlite3 script.db .dump)" "$(sqlite3 example.db .dump)"
"$RG" downgrade 0b0000000020:0a0000000010 --sql > down.sql 2>/dev/null
sqlite3 script.db < down.sql > /dev/null 2>&1 && ok || bad "--sql rebuild: the downgrade script runs"
"$RG" downgrade 0a0000000010 2>/dev/null
eq "--sql rebuild: the downgrade script leaves what the online run leaves" "$(sqlite3 script.db .dump)" "$(sqlite3 example.db .dump)"
# in one transaction (transactional_ddl): SAVEPOINTs, no PRAGMA
sed -i 's/^\[alembic\]$/[alembic]\ntransactional_ddl = true/' alembic.ini
"$RG" upgrade 0a0000000010:0b0000000020 --sql > tx.sql 2>/dev/null
eq "--sql rebuild in one transaction" "$(grep -E '^(PRAGMA foreign_keys.*|BEGIN.*;|COMMIT;|SAVEPOINT.*|RELEASE.*)$' tx.sql | tr '\n' ' ')" \
  "BEGIN; SAVEPOINT rg_alter_table; RELEASE rg_alter_table; SAVEPOINT rg_alter_table; RELEASE rg_alter_table; COMMIT; "
cd "$T"

# --- progress of a rebuild: on a terminal only ----------------------------------
project progress
rev progress 1.yaml pppp00000001 null '
upgrade:
  - create_table: big
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: v, type: text}
  - sql: |
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
      INSERT INTO big SELECT i, printf('"'"'v%d'"'"', i) FROM n'
rev progress 2.yaml pppp00000002 pppp00000001 '
upgrade:
  - alter_column: big
    column: v
    nullable: false
downgrade:
  - alter_column: big
    column: v
    nullable: true'
cd "$T/progress"
"$RG" upgrade pppp00000001 2>/dev/null
"$RG" upgrade head 2> "$T/progress.err"
grep -q 'rows copied' "$T/progress.err" && bad "progress shown when stderr is not a terminal" || ok
script -qec "$RG downgrade pppp00000001" /dev/null < /dev/null | tr '\r' '\n' > "$T/progress.pty"
grep -qx "rebuilding table 'big': 4096 of 10000 rows copied" "$T/progress.pty" && ok || bad "progress: rows copied so far on a terminal"
grep -qx "rebuilding table 'big': 10000 of 10000 rows copied" "$T/progress.pty" && ok || bad "progress: the end on a terminal"
eq "progress: the rebuild ran" "$(sqlite3 db.sqlite "SELECT \"notnull\" FROM pragma_table_info('big') WHERE name = 'v'")|$(sqlite3 db.sqlite 'SELECT count(*) FROM big')" "0|10000"
cd "$T"

finish "migrate: "
