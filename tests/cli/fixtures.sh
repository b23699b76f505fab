# Projects and revision files that test_migrate.sh (SQLite) and
# test_migrate_pg.sh (PostgreSQL) both run: one writer each, so that the two
# backends are checked against the same input.  Sourced after lib.sh ($T).
# shellcheck shell=bash

project_at() { # dir url [extra ini]: a fresh native project in $T/dir, with versions/
  rm -rf "${T:?}/$1"
  mkdir -p "$T/$1/versions"
  printf '[alembic]\nscript_location = %%(here)s\nsqlalchemy.url = %s\n%s' "$2" "${3:-}" \
    > "$T/$1/alembic.ini"
}

# versions/1.yaml (aaaa00000001) of the "alter" project: account and item, two
# accounts and three items, one item (qty -1) breaking the CHECK that a later
# revision adds.  item_fk is written after item.account_id's type: the SQLite
# test declares the foreign key here, the PostgreSQL test adds it later.
alter_base_rev() { # dir item_fk
  rev "$1" 1.yaml aaaa00000001 null "
upgrade:
  - create_table: account
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: name, type: string(50), nullable: false}
      - {name: legacy, type: text}
  - create_table: item
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: account_id, type: integer$2}
      - {name: qty, type: integer}
  - sql: |
      INSERT INTO account VALUES (1, 'ann', 'x'), (2, 'bob', NULL);
      INSERT INTO item VALUES (1, 1, 5), (2, 2, -1), (3, 2, 7)"
}

# versions/1.yaml and 2.yaml of the "portable" project: unnamed constraints
# (column UNIQUE, CHECK, REFERENCES, and one added with add_column), then a
# drop_constraint of each by the name the naming rule gives it, which must
# work the same on both backends.
portable_revs() { # dir
  rev "$1" 1.yaml pppp00000001 null '
upgrade:
  - create_table: acct
    columns:
      - {name: id, type: integer, primary_key: true}
  - create_table: member
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: email, type: text, unique: true}
      - {name: n, type: integer, check: n > 0}
      - {name: acct_id, type: integer, references: acct.id}
  - add_column: member
    column: {name: owner_id, type: integer, references: acct.id}'
  rev "$1" 2.yaml pppp00000002 pppp00000001 '
upgrade:
  - drop_constraint: uq_member_email
    table: member
  - drop_constraint: ck_member_n
    table: member
  - drop_constraint: fk_member_acct_id_acct
    table: member
  - drop_constraint: fk_member_owner_id_acct
    table: member
downgrade: []'
}

# versions/1.yaml and 2.yaml of the "ops" project: create_table with
# defaults, a CHECK, identity and a cascading foreign key, an expression
# index, then add_column and rename_table.  account_extra is written after
# account's last column: more columns, each "\n      - {...}", for the types
# only PostgreSQL has.
ops_revs() { # dir account_extra
  rev "$1" 1.yaml oooo00000001 null '
upgrade:
  - create_table: account
    columns:
      - {name: id, type: integer, primary_key: true, autoincrement: true}
      - {name: email, type: string(200), nullable: false, default: "it'"'"'s"}
      - {name: order, type: "numeric(10,2)", default: 0, check: "\"order\" >= 0"}'"$2"'
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
  rev "$1" 2.yaml oooo00000002 oooo00000001 '
upgrade:
  - add_column: account
    column: {name: note, type: text, default: ""}
  - rename_table: Item
    new_name: items'
}
