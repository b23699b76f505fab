#!/usr/bin/env bash
# Running migrations on PostgreSQL: the example project up and down, a
# failing statement rolling back the whole run, transaction_per_migration,
# transactional: false, and concurrent runners.  Needs a server reachable
# through the PG* environment (scripts/test.sh runs the suite inside
# pg_virtualenv); skips without one unless RG_REQUIRE_PG=1.
# Usage: test_migrate_pg.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
DBS=()
cleanup() {
  for d in "${DBS[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1; done
  rm -rf "$T"
}
trap cleanup EXIT

if ! psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
  if [ "${RG_REQUIRE_PG:-}" = 1 ]; then
    echo "FAIL no PostgreSQL server reachable through the PG* environment (RG_REQUIRE_PG=1)"
    exit 1
  fi
  echo "SKIP no PostgreSQL server reachable through the PG* environment"
  exit 0
fi

q() { psql -X -q -A -t -d "$1" -c "$2"; }
rows() { q "$1" 'SELECT version_num FROM alembic_version ORDER BY 1' | tr '\n' ' '; }
newdb() { local d="rg_cli_$$_$1"; dropdb --if-exists "$d" >/dev/null 2>&1; createdb "$d"; DBS+=("$d"); echo "$d"; }

project() { # dir db [extra ini]
  project_at "$1" "postgresql:///$2" "${3:-}"
}

# --- the example project ------------------------------------------------------
db=$(newdb ex)
cp -r "$ROOT/versions-example" "$T/ex"
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = postgresql:///$db|" "$T/ex/alembic.ini"
cd "$T/ex"
check "upgrade heads" 0 "" -- "$RG" upgrade heads
grep -q 'Context impl PostgresqlImpl.' "$T/stderr" && grep -q 'Will assume transactional DDL.' "$T/stderr" \
  && ok || bad "PostgreSQL context log lines"
eq "rows after upgrade heads" "$(rows "$db")" "0b0000000020 800000000008 "
eq "account altered in place" "$(q "$db" "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'account'")" \
  "id,name,created_at,email,status"
check "current" 0 "0b0000000020 (head)
800000000008 (head)
e0000000000e (effective head)" -- "$RG" current
check "downgrade c0000000000c" 0 "" -- "$RG" downgrade c0000000000c
eq "legacy_flag is back" "$(q "$db" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'account' AND column_name = 'legacy_flag'")" "1"
check "downgrade base" 0 "" -- "$RG" downgrade base
eq "downgrade base empties the table" "$(rows "$db")" ""
eq "only the version table is left" "$(q "$db" "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'public'")" \
  "alembic_version"
check "offline PostgreSQL" 0 "BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 600000000006

CREATE TABLE network (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(50) NOT NULL UNIQUE,
    cidr VARCHAR(43) NOT NULL
);

INSERT INTO alembic_version (version_num) VALUES ('600000000006') RETURNING alembic_version.version_num;

COMMIT;" -- "$RG" upgrade --sql 600000000006

# --- a failing statement rolls back the whole run ------------------------------
db=$(newdb fail)
project fail "$db"
rev fail 1.yaml aaaa00000001 null 'upgrade: CREATE TABLE one (id INTEGER)'
rev fail 2.yaml aaaa00000002 aaaa00000001 'upgrade: |
  CREATE TABLE two (id INTEGER);
  INSERT INTO nosuch VALUES (1);'
cd "$T/fail"
check "failing statement names file:line" 255 \
  "FAILED: $T/fail/versions/2.yaml:6: relation \"nosuch\" does not exist (SQLSTATE 42P01)" -- "$RG" upgrade heads
eq "the run is rolled back" "$(q "$db" "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" "0"
printf 'transaction_per_migration = true\n' >> alembic.ini
check "per migration: fails again" 255 \
  "FAILED: $T/fail/versions/2.yaml:6: relation \"nosuch\" does not exist (SQLSTATE 42P01)" -- "$RG" upgrade heads
eq "per migration: the first one stays" "$(rows "$db")" "aaaa00000001 "
eq "per migration: tables agree with the version table" \
  "$(q "$db" "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'")" \
  "alembic_version,one"

# --- statements that cannot run in a transaction -------------------------------
db=$(newdb conc)
project idx "$db"
rev idx 1.yaml bbbb00000001 null 'upgrade: CREATE TABLE t (id INTEGER)'
rev idx 2.yaml bbbb00000002 bbbb00000001 'upgrade: CREATE INDEX CONCURRENTLY ix_t_id ON t (id)'
cd "$T/idx"
check "CONCURRENTLY refused in a transactional revision" 255 \
  "FAILED: $T/idx/versions/2.yaml:4: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; add 'transactional: false' to the revision's header to run it outside a transaction" -- \
  "$RG" upgrade heads
eq "refused before anything ran" "$(q "$db" "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" "0"
rev idx 2.yaml bbbb00000002 bbbb00000001 'upgrade: CREATE INDEX CONCURRENTLY ix_t_id ON t (id)' 'transactional: false
'
check "transactional: false runs it" 0 "" -- "$RG" upgrade heads
eq "the index exists" "$(q "$db" "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_t_id'")" "1"
eq "rows" "$(rows "$db")" "bbbb00000002 "

# --- concurrent runners ----------------------------------------------------------
db=$(newdb race)
project race "$db"
rev race 0.yaml cccc00000000 null 'upgrade: CREATE TABLE trail (seq SERIAL PRIMARY KEY, rev TEXT)'
prev=cccc00000000
for i in 1 2 3; do
  rev race "$i.yaml" "cccc0000000$i" "$prev" "upgrade: |
  SELECT pg_sleep(0.3);
  INSERT INTO trail (rev) VALUES ('cccc0000000$i');"
  prev=cccc0000000$i
done
cd "$T/race"
"$RG" upgrade heads 2>"$T/r1.log" </dev/null & p1=$!
"$RG" upgrade heads 2>"$T/r2.log" </dev/null & p2=$!
wait $p1; s1=$?; wait $p2; s2=$?
eq "both runners succeed" "$s1 $s2" "0 0"
eq "each revision applied once" "$(q "$db" 'SELECT string_agg(rev, $$,$$ ORDER BY seq) FROM trail')" \
  "cccc00000001,cccc00000002,cccc00000003"
if grep -q 'Waiting for the migration lock, held by pid' "$T"/r?.log; then ok; else
  bad "a waiting runner says who it waits for"; cat "$T"/r?.log; fi

# --- schema operations ---------------------------------------------------------
db=$(newdb ops)
project ops "$db"
# (fixtures.sh) 1.yaml: account (id, email, order, and these) and Item cascading
# from it; 2.yaml: account.note, Item renamed to items
ops_revs ops '
      - {name: active, type: boolean, default: true}
      - {name: at, type: timestamptz}
      - {name: doc, type: json}'
cd "$T/ops"
check "ops upgrade" 0 "" -- "$RG" upgrade heads
eq "ops tables" "$(q "$db" "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'")" \
  "account,alembic_version,items"
eq "ops types" "$(q "$db" "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'account'")" \
  "id:integer,email:character varying,order:numeric,active:boolean,at:timestamp with time zone,doc:jsonb,note:text"
q "$db" "INSERT INTO account (email) VALUES ('a@x'); INSERT INTO items (account_id) VALUES (1)"
eq "ops defaults and identity" "$(q "$db" "SELECT id, email, \"order\", active, note FROM account")" "1|a@x|0.00|t|"
q "$db" "INSERT INTO account (email) VALUES ('a@x')" 2>&1 | grep -q 'duplicate key value violates unique constraint "ix_account_email"' &&
  ok || bad "ops unique expression index"
q "$db" "DELETE FROM account"
eq "ops on delete cascade" "$(q "$db" "SELECT count(*) FROM items")" "0"
check "ops downgrade one (derived)" 0 "" -- "$RG" downgrade -1
eq "ops derived downgrade" "$(q "$db" "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'")" \
  "Item,account,alembic_version"
eq "ops derived downgrade drops the column" "$(q "$db" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'account' AND column_name = 'note'")" "0"
check "ops downgrade base (derived)" 0 "" -- "$RG" downgrade base
eq "ops all gone" "$(q "$db" "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'public'")" "alembic_version"
"$RG" upgrade heads --sql > up.sql 2>/dev/null
grep -q '^    id INTEGER GENERATED BY DEFAULT AS IDENTITY CONSTRAINT pk_account PRIMARY KEY,$' up.sql && ok || bad "ops --sql identity"
cd "$T"

# --- lock_timeout before DDL -----------------------------------------------------
cd "$T/ops"
"$RG" upgrade heads 2>/dev/null
printf 'revgraph.ddl_lock_timeout = 2s\n' >> alembic.ini
rev ops 3.yaml oooo00000003 oooo00000002 '
upgrade:
  - add_column: account
    column: {name: c3, type: integer}'
rev ops 4.yaml oooo00000004 oooo00000003 '
lock_timeout: 200ms
upgrade:
  - add_column: account
    column: {name: c4, type: integer}'
"$RG" upgrade oooo00000002:heads --sql > lt.sql 2>/dev/null
eq "lock_timeout --sql" "$(grep -E "^(SET lock_timeout|ALTER)" lt.sql | tr '\n' ' ')" \
  "SET lock_timeout = '2s'; ALTER TABLE account ADD COLUMN c3 INTEGER; SET lock_timeout = '200ms'; ALTER TABLE account ADD COLUMN c4 INTEGER; "
sed -i '/ddl_lock_timeout/d' alembic.ini
"$RG" upgrade oooo00000002:heads --sql > lt.sql 2>/dev/null
eq "lock_timeout from the revision only" "$(grep -E "^(SET|RESET) lock_timeout" lt.sql | tr '\n' ' ')" "SET lock_timeout = '200ms'; "
check "ops upgrade 3" 0 "" -- "$RG" upgrade oooo00000003
psql -X -q -d "$db" -c "BEGIN; LOCK TABLE account; SELECT pg_sleep(4); COMMIT" >/dev/null 2>&1 & holder=$!
# go on once the lock is granted, not after a fixed sleep a loaded machine can outrun
for _ in $(seq 100); do
  [ "$(psql -X -Atq -d "$db" -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    WHERE c.relname = 'account' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
  sleep 0.05
done
start=$(date +%s%N)
out=$("$RG" upgrade heads 2>/dev/null </dev/null); status=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
wait $holder
case "$out" in
  "FAILED: $T/ops/versions/4.yaml:"*"lock timeout"*) ok ;;
  *) bad "lock_timeout failure: $out" ;;
esac
eq "lock_timeout status" "$status" "255"
[ "$elapsed" -lt 2500 ] && ok || bad "lock_timeout waited ${elapsed} ms"
eq "lock_timeout left the version" "$(rows "$db")" "oooo00000003 "
printf 'revgraph.ddl_lock_timeout = soon\n' >> alembic.ini
check "bad ddl_lock_timeout" 255 \
  "FAILED: alembic.ini: revgraph.ddl_lock_timeout = 'soon' must be a whole number with an optional unit ms, s or min" -- \
  "$RG" upgrade heads
sed -i '/ddl_lock_timeout/d' alembic.ini
sed -i 's/^lock_timeout: 200ms/lock_timeout: 1 hour/' versions/4.yaml
check "bad revision lock_timeout" 255 \
  "FAILED: $T/ops/versions/4.yaml:5: 'lock_timeout' must be a whole number with an optional unit ms, s or min" -- \
  "$RG" upgrade heads
cd "$T"

# --- column and constraint operations: plain ALTER TABLE --------------------------
db=$(newdb alter)
project alter "$db"
# 1.yaml (fixtures.sh): account (id, name, legacy) with ann and bob; item (id,
# account_id, qty) with (1,1,5) (2,2,-1) (3,2,7), its foreign key added by 2.yaml
alter_base_rev alter ''
rev alter 2.yaml aaaa00000002 aaaa00000001 '
upgrade:
  - batch_alter_table: account
    ops:
      - drop_column: legacy
      - alter_column: name
        type: text
        default: {sql: "'"'"'anon'"'"'"}
      - add_column: {name: created, type: timestamptz, default: {sql: now()}}
  - create_foreign_key: fk_item_account
    table: item
    columns: [account_id]
    referent_table: account
    referent_columns: [id]
    on_delete: cascade
  - create_unique_constraint: uq_item_id_qty
    table: item
    columns: [id, qty]
  - create_check_constraint: ck_item_qty
    table: item
    condition: qty > 0
  - alter_column: item
    column: qty
    new_name: quantity
downgrade:
  - alter_column: item
    column: quantity
    new_name: qty
  - drop_constraint: ck_item_qty
    table: item
  - drop_constraint: uq_item_id_qty
    table: item
  - drop_constraint: fk_item_account
    table: item
  - batch_alter_table: account
    ops:
      - drop_column: created
      - alter_column: name
        type: string(50)
        drop_default: true
      - add_column: {name: legacy, type: text}'
cd "$T/alter"
check "alter: base" 0 "" -- "$RG" upgrade aaaa00000001
out=$("$RG" upgrade head 2>/dev/null); status=$?
case "$out" in
  "FAILED: $T/alter/versions/2.yaml:"*"ck_item_qty"*) ok ;;
  *) bad "alter: failing CHECK reported with file:line: $out" ;;
esac
eq "alter: failing CHECK rolled back the step" "$(q "$db" "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'account'")" "id,name,legacy"
eq "alter: failing CHECK left the row" "$(rows "$db")" "aaaa00000001 "
q "$db" "UPDATE item SET qty = 1 WHERE qty < 0"
check "alter: upgrade" 0 "" -- "$RG" upgrade head
eq "alter: upgraded columns" "$(q "$db" "SELECT string_agg(column_name || ':' || data_type || ':' || coalesce(column_default, '-'), ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'account'")" \
  "id:integer:-,name:text:'anon'::text,created:timestamp with time zone:now()"
eq "alter: constraints" "$(q "$db" "SELECT string_agg(conname || ':' || contype::text, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'item'::regclass")" \
  "ck_item_qty:c,fk_item_account:f,pk_item:p,uq_item_id_qty:u"
eq "alter: rename" "$(q "$db" "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'item'")" "id,account_id,quantity"
eq "alter: rows" "$(q "$db" "SELECT count(*) FROM item")|$(q "$db" "SELECT string_agg(name, ',' ORDER BY id) FROM account")" "3|ann,bob"
q "$db" "DELETE FROM account WHERE id = 2"
eq "alter: new foreign key cascades" "$(q "$db" "SELECT count(*) FROM item")" "1"
check "alter: downgrade" 0 "" -- "$RG" downgrade aaaa00000001
eq "alter: downgraded columns" "$(q "$db" "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'account'")" \
  "id:integer,name:character varying,legacy:text"
eq "alter: constraints gone" "$(q "$db" "SELECT string_agg(conname, ',') FROM pg_constraint WHERE conrelid = 'item'::regclass")" "pk_item"
"$RG" upgrade aaaa00000001:head --sql > up.sql 2>/dev/null
grep -q '^ALTER TABLE item ADD CONSTRAINT fk_item_account FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE;$' up.sql \
  && grep -q "^ALTER TABLE account ALTER COLUMN name SET DEFAULT ('anon');$" up.sql && ok || bad "alter: --sql on PostgreSQL"
cd "$T"

# --- unnamed constraints carry the SQLite engine's names: one drop_constraint for both
# (test_migrate.sh runs the same two revisions on SQLite)
db=$(newdb portable)
project portable "$db"
portable_revs portable
cd "$T/portable"
check "portable: create" 0 "" -- "$RG" upgrade pppp00000001
eq "portable: the rule's names" "$(q "$db" "SELECT string_agg(conname || ':' || contype::text, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'member'::regclass")" \
  "ck_member_n:c,fk_member_acct_id_acct:f,fk_member_owner_id_acct:f,pk_member:p,uq_member_email:u"
check "portable: drop them by those names" 0 "" -- "$RG" upgrade head
eq "portable: only the key left" "$(q "$db" "SELECT string_agg(conname, ',') FROM pg_constraint WHERE conrelid = 'member'::regclass")" "pk_member"
# a name over 63 bytes: cut at a character boundary, and PostgreSQL cuts the drop's the same way
rev portable 3.yaml pppp00000003 pppp00000002 '
upgrade:
  - create_table: ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttééé
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: mail, type: text, unique: true}
  - drop_constraint: uq_ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttééé_mail
    table: ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttééé
downgrade: []'
check "portable: long names" 0 "" -- "$RG" upgrade head
eq "portable: long names cut, the unique dropped" "$(q "$db" "SELECT string_agg(conname, ',') FROM pg_constraint WHERE conrelid = '\"ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttééé\"'::regclass")" "pk_tttttttttttttttttttttttttttttttttttttttttttttttttttttttttté"
cd "$T"

# --- versions-example: 0b0000000020 with data, up, down, up ------------------------
db=$(newdb exdata)
cp -r "$ROOT/versions-example" "$T/exdata"
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = postgresql:///$db|" "$T/exdata/alembic.ini"
cd "$T/exdata"
check "exdata: up to 0a" 0 "" -- "$RG" upgrade 0a0000000010
q "$db" "INSERT INTO account (id, name, email) VALUES (1, 'ann', 'ann@x'), (2, 'bob', NULL), (3, 'cy', 'cy@x');
  INSERT INTO orders (id, account_id, total_cents) VALUES (10, 1, 500), (11, 1, 250), (12, 3, 0);
  INSERT INTO order_line (id, order_id, sku, qty) VALUES (1, 10, 'A', 1), (2, 10, 'B', 2), (3, 11, 'C', 3), (4, 12, 'D', 4);"
sums() {
  q "$db" "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT format('a %s %s %s %s', id, name, created_at, email) AS x FROM account
    UNION ALL SELECT format('o %s %s %s %s', id, account_id, placed_at, total_cents) FROM orders
    UNION ALL SELECT format('l %s %s %s %s', id, order_id, sku, qty) FROM order_line
    UNION ALL SELECT format('v %s %s %s %s', id, email, n_orders, total_cents) FROM v_account_orders) s"
}
before=$(sums)
check "exdata: upgrade heads" 0 "" -- "$RG" upgrade heads
eq "exdata: rows and values kept" "$(sums)" "$before"
eq "exdata: status default on old rows" "$(q "$db" "SELECT string_agg(status, ',') FROM account")" "active,active,active"
q "$db" "UPDATE account SET name = 'ann2' WHERE id = 1"
eq "exdata: audit trigger fires" "$(q "$db" "SELECT account_id || ':' || action FROM account_audit")" "1:update"
eq "exdata: view answers" "$(q "$db" "SELECT n_orders || ':' || total_cents FROM v_account_orders WHERE id = 1")" "2:750"
q "$db" "UPDATE account SET name = 'ann' WHERE id = 1; DELETE FROM account_audit"
check "exdata: downgrade" 0 "" -- "$RG" downgrade 0a0000000010
eq "exdata: rows and values after downgrade" "$(sums)" "$before"
eq "exdata: account after downgrade" "$(q "$db" "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'account'")" \
  "id,name,created_at,email"
check "exdata: upgrade again" 0 "" -- "$RG" upgrade heads
eq "exdata: rows and values after up, down, up" "$(sums)" "$before"
q "$db" "DELETE FROM orders WHERE id = 10"
eq "exdata: cascade" "$(q "$db" "SELECT count(*) FROM order_line")" "2"
cd "$T"

finish "migrate_pg: "
