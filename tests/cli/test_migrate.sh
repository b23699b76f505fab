#!/usr/bin/env bash
# Running migrations on SQLite: upgrade/downgrade/stamp/current on the
# example project, failures that must leave the database as it was, the
# checks made before anything runs, and concurrent runners.
# Usage: test_migrate.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rows() { sqlite3 "$1" 'SELECT version_num FROM alembic_version ORDER BY 1' | tr '\n' ' '; }
dump() { sqlite3 "$1" .dump; }

project() { # dir: a fresh native project with versions/ and a SQLite URL
  rm -rf "$T/$1"
  mkdir -p "$T/$1/versions"
  printf '[alembic]\nscript_location = %%(here)s\nsqlalchemy.url = sqlite:///%%(here)s/db.sqlite\n%s' \
    "${2:-}" > "$T/$1/alembic.ini"
}

# --- the example project, up and down ---------------------------------------
cp -r "$ROOT/versions-example" "$T/ex"
rm -f "$T/ex/example.db"
cd "$T/ex"
check "upgrade heads" 0 "" -- "$RG" upgrade heads
eq "rows after upgrade heads" "$(rows example.db)" "800000000008 f0000000000f "
check "current" 0 "800000000008 (head)
e0000000000e (effective head)
f0000000000f (head)" -- "$RG" current
grep -q 'Running upgrade 900000000009, a0000000000a, b0000000000b -> c0000000000c, merge login events, orders and sale prices' "$T/stderr" 2>/dev/null
"$RG" upgrade heads 2>"$T/log" </dev/null
if grep -q 'Running upgrade' "$T/log"; then bad "second upgrade heads runs nothing"; else ok; fi
check "history -i marks rows" 0 "700000000007 (500000000005) -> 800000000008 (networking) (head) (current), link accounts to ip addresses" -- \
  sh -c "'$RG' history -i | head -1"
check "show current" 0 "Rev: 800000000008 (head)
Rev: f0000000000f (head)" -- sh -c "'$RG' show current | grep '^Rev:' | sort"
check "downgrade -1 with several rows" 0 "" -- "$RG" downgrade networking@-1
eq "rows after networking@-1" "$(rows example.db)" "700000000007 f0000000000f "
check "stamp moves the table only" 0 "" -- "$RG" stamp 600000000006 f0000000000f
# as in Alembic: f0000000000f descends from 600000000006 through depends_on, so
# both rows share its lineage and become one step down to it
eq "rows after stamp" "$(rows example.db)" "600000000006 "
eq "stamp ran nothing" "$(sqlite3 example.db "SELECT count(*) FROM sqlite_master WHERE name = 'ip_address'")" "1"
"$RG" stamp 700000000007 f0000000000f 2>/dev/null </dev/null
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
  - batch_alter_table: five'
check "unknown operation refused" 255 \
  "FAILED: $T/pre/versions/5.yaml:6: operation 'batch_alter_table' is not supported by this version of revgraph; write it as 'sql:'" -- \
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
sleep 0.3
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
rev ops 1.yaml oooo00000001 null '
upgrade:
  - create_table: account
    columns:
      - {name: id, type: integer, primary_key: true, autoincrement: true}
      - {name: email, type: string(200), nullable: false, default: "it'"'"'s"}
      - {name: order, type: "numeric(10,2)", default: 0, check: "\"order\" >= 0"}
  - create_table: Item
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: account_id, type: integer, references: account.id, on_delete: cascade}
  - create_index: ix_account_email
    table: account
    columns: [email]
    expressions: ["lower(email)"]
    unique: true
    where: email IS NOT NULL'
rev ops 2.yaml oooo00000002 oooo00000001 '
upgrade:
  - add_column: account
    column: {name: note, type: text, default: ""}
  - rename_table: Item
    new_name: items'
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

finish "migrate: "
