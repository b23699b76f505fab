#!/usr/bin/python3
"""Projects for bench/migrate.sh: N tiny revisions in a line, each inserting
one row into a trail table (the first creates it), as

  <out>/alembic/  an Alembic project (.py revisions, op.execute)
  <out>/revgraph/ the same revisions as revgraph YAML files
  <out>/raw.sql   what revgraph executes on SQLite, statement for statement,
                  with the same transaction boundaries (one per migration),
                  for the sqlite3 shell

Usage: gen_migrate.py OUT N
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "conformance"))
import alembic_files  # noqa: E402  (the alembic.ini texts tests use too)


def rid(i):
    return "%012x" % (0xb0000000000 + i)


def body(i):
    if i == 0:
        return "CREATE TABLE trail (n INTEGER NOT NULL)"
    return "INSERT INTO trail (n) VALUES (%d)" % i


# Alembic's generic logging sections, the alembic logger at WARN: the
# benchmark measures the migrations, not the log lines.
INI = ("[alembic]\nscript_location = %(here)s\nsqlalchemy.url = sqlite:///%(here)s/bench.db\n\n"
       + alembic_files.LOGGING_INI.replace("[logger_alembic]\nlevel = INFO",
                                           "[logger_alembic]\nlevel = WARN"))

ENV = '''from logging.config import fileConfig
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
fileConfig(config.config_file_name)


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    for sub in ("alembic/versions", "revgraph/versions"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for proj in ("alembic", "revgraph"):
        with open(os.path.join(out, proj, "alembic.ini"), "w") as f:
            f.write(INI)
    with open(os.path.join(out, "alembic", "env.py"), "w") as f:
        f.write(ENV)
    raw = ["CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n"
           "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);"]
    for i in range(n):
        down = repr(rid(i - 1)) if i else "None"
        with open(os.path.join(out, "alembic", "versions", rid(i) + "_r.py"), "w") as f:
            f.write('"""r%d"""\nfrom alembic import op\n\nrevision = %r\ndown_revision = %s\n'
                    'branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n'
                    '    op.execute("%s")\n\n\ndef downgrade():\n    pass\n'
                    % (i, rid(i), down, body(i)))
        with open(os.path.join(out, "revgraph", "versions", rid(i) + "_r.yaml"), "w") as f:
            f.write("revision: '%s'\ndown_revision: %s\nmessage: r%d\nupgrade: %s\n"
                    % (rid(i), ("'%s'" % rid(i - 1)) if i else "null", i, body(i)))
        if i == 0:
            version = "INSERT INTO alembic_version (version_num) VALUES ('%s');" % rid(i)
        else:
            version = ("UPDATE alembic_version SET version_num='%s' WHERE "
                       "alembic_version.version_num = '%s';" % (rid(i), rid(i - 1)))
        raw.append("BEGIN IMMEDIATE;\n%s;\n%s\nCOMMIT;" % (body(i), version))
    with open(os.path.join(out, "raw.sql"), "w") as f:
        f.write("\n".join(raw) + "\n")


if __name__ == "__main__":
    main()
