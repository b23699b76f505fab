#!/usr/bin/python3
"""Alembic 1.8.1's batch-mode losses on SQLite (reference section 8.4), side by side.

Each case builds one small database, runs Alembic's ``batch_alter_table``
(real Alembic 1.8.1 and SQLAlchemy 1.4, in this process) on one copy and
revgraph's rebuild engine (``rg-rebuild``, built next to the revgraph binary)
on another, and checks both: that Alembic still loses what the reference says
it loses (so the comparison stays honest) and that revgraph loses nothing.

Usage::

    /usr/bin/python3 tests/conformance/test_rebuild_vs_alembic.py --revgraph build/revgraph --source .

The last line is ``N passed, M failed``; the exit status is 0 iff nothing failed.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations


def build(path, sql):
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.close()


def alembic_batch(path, ops, foreign_keys=False):
    """Run `ops(batch)` inside batch_alter_table('account'); the exception or None."""
    engine = sa.create_engine("sqlite:///" + path)
    if foreign_keys:
        @sa.event.listens_for(engine, "connect")
        def _fk(dbapi_con, _record):
            dbapi_con.execute("PRAGMA foreign_keys = ON")
    try:
        with engine.begin() as conn:
            op = Operations(MigrationContext.configure(conn))
            with op.batch_alter_table("account") as batch:
                ops(batch)
    except Exception as exc:  # the failure is what some cases expect
        return exc
    finally:
        engine.dispose()
    return None


def revgraph(tool, path, args, foreign_keys=False):
    env = dict(os.environ)
    if foreign_keys:
        env["RG_FOREIGN_KEYS"] = "1"
    return subprocess.run([tool, path, "account"] + args, capture_output=True, text=True, env=env)


def q(path, sql):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


BASE = """
CREATE TABLE account (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, legacy INTEGER);
CREATE TABLE address (id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES account(id) ON DELETE CASCADE);
INSERT INTO account (name, legacy) VALUES ('a', 1);
INSERT INTO address (account_id) VALUES (1);
"""


def case_cascade(tmp, tool):
    """PRAGMA foreign_keys=ON + ON DELETE CASCADE: Alembic's DROP TABLE empties the child."""
    a, r = os.path.join(tmp, "a.db"), os.path.join(tmp, "r.db")
    build(a, BASE)
    shutil.copy(a, r)
    exc = alembic_batch(a, lambda b: b.drop_column("legacy"), foreign_keys=True)
    assert exc is None, exc
    assert q(a, "SELECT count(*) FROM address") == [(0,)], "Alembic no longer loses the children"
    p = revgraph(tool, r, ["drop:legacy"], foreign_keys=True)
    assert p.returncode == 0, p.stderr
    assert q(r, "SELECT count(*) FROM address") == [(1,)]


def case_triggers(tmp, tool):
    """Triggers on the table are silently dropped by Alembic."""
    sql = BASE + "CREATE TRIGGER tr AFTER INSERT ON account BEGIN SELECT 1; END;"
    a, r = os.path.join(tmp, "a.db"), os.path.join(tmp, "r.db")
    build(a, sql)
    shutil.copy(a, r)
    assert alembic_batch(a, lambda b: b.drop_column("legacy")) is None
    assert q(a, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'") == [(0,)]
    p = revgraph(tool, r, ["drop:legacy"])
    assert p.returncode == 0, p.stderr
    assert q(r, "SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("tr",)]


def case_view(tmp, tool):
    """A view on the table makes Alembic's rename fail, after its CREATE was committed."""
    sql = BASE + "CREATE VIEW v_acc AS SELECT id, name FROM account;"
    a, r = os.path.join(tmp, "a.db"), os.path.join(tmp, "r.db")
    build(a, sql)
    shutil.copy(a, r)
    exc = alembic_batch(a, lambda b: b.drop_column("legacy"))
    assert exc is not None and "error in view v_acc" in str(exc), exc
    assert q(a, "SELECT name FROM sqlite_master WHERE name LIKE '_alembic_tmp%'") == [("_alembic_tmp_account",)]
    p = revgraph(tool, r, ["drop:legacy"])
    assert p.returncode == 0, p.stderr
    assert q(r, "SELECT count(*) FROM v_acc") == [(1,)]
    assert q(r, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%tmp%' OR name LIKE '_rg_new%'") == [(0,)]


def case_reflection(tmp, tool):
    """Column UNIQUE, unnamed CHECK, AUTOINCREMENT and COLLATE NOCASE are lost on reflection."""
    sql = """
CREATE TABLE account (id INTEGER PRIMARY KEY AUTOINCREMENT, code VARCHAR(10) UNIQUE,
    name TEXT COLLATE NOCASE CHECK (name <> ''), legacy INTEGER);
INSERT INTO account (code, name, legacy) VALUES ('c', 'n', 1);
"""
    a, r = os.path.join(tmp, "a.db"), os.path.join(tmp, "r.db")
    build(a, sql)
    shutil.copy(a, r)
    assert alembic_batch(a, lambda b: b.drop_column("legacy")) is None
    lost = q(a, "SELECT sql FROM sqlite_master WHERE name = 'account'")[0][0]
    for kept in ("AUTOINCREMENT", "UNIQUE", "CHECK", "NOCASE"):
        assert kept not in lost, "Alembic now keeps %s: %s" % (kept, lost)
    p = revgraph(tool, r, ["drop:legacy"])
    assert p.returncode == 0, p.stderr
    got = q(r, "SELECT sql FROM sqlite_master WHERE name = 'account'")[0][0]
    for kept in ("AUTOINCREMENT", "code VARCHAR(10) UNIQUE", "CHECK (name <> '')", "COLLATE NOCASE"):
        assert kept in got, "%s lost: %s" % (kept, got)


def case_without_rowid(tmp, tool):
    """WITHOUT ROWID is lost by Alembic."""
    sql = """
CREATE TABLE account (k TEXT PRIMARY KEY, name TEXT, legacy INTEGER) WITHOUT ROWID;
INSERT INTO account VALUES ('k', 'n', 1);
"""
    a, r = os.path.join(tmp, "a.db"), os.path.join(tmp, "r.db")
    build(a, sql)
    shutil.copy(a, r)
    assert alembic_batch(a, lambda b: b.drop_column("legacy")) is None
    assert "WITHOUT ROWID" not in q(a, "SELECT sql FROM sqlite_master WHERE name = 'account'")[0][0]
    p = revgraph(tool, r, ["drop:legacy"])
    assert p.returncode == 0, p.stderr
    assert q(r, "SELECT sql FROM sqlite_master WHERE name = 'account'")[0][0].endswith("WITHOUT ROWID")


def case_cast(tmp, tool):
    """A type change: Alembic's CAST truncates '12abc' to 12; revgraph keeps the value."""
    sql = """
CREATE TABLE account (id INTEGER PRIMARY KEY, code VARCHAR(10));
INSERT INTO account (code) VALUES ('12'), ('12abc');
"""
    a, r = os.path.join(tmp, "a.db"), os.path.join(tmp, "r.db")
    build(a, sql)
    shutil.copy(a, r)
    assert alembic_batch(a, lambda b: b.alter_column("code", type_=sa.Integer())) is None
    assert q(a, "SELECT code FROM account ORDER BY id") == [(12,), (12,)]
    p = revgraph(tool, r, ["type:code:INTEGER"])
    assert p.returncode == 0, p.stderr
    assert q(r, "SELECT code FROM account ORDER BY id") == [(12,), ("12abc",)]


CASES = [case_cascade, case_triggers, case_view, case_reflection, case_without_rowid, case_cast]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--revgraph", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    tool = os.path.join(os.path.dirname(os.path.abspath(args.revgraph)), "rg-rebuild")
    passed = failed = 0
    for case in CASES:
        tmp = tempfile.mkdtemp(prefix="rg-rebuild-alembic-")
        try:
            case(tmp, tool)
            passed += 1
            print("ok   %s: %s" % (case.__name__, case.__doc__.splitlines()[0]))
        except AssertionError as exc:
            failed += 1
            print("FAIL %s: %s" % (case.__name__, exc))
        finally:
            shutil.rmtree(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
