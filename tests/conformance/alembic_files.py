"""What Alembic 1.8.1 writes into a project, for the generators of test and
benchmark projects (graphgen.py, test_migrate_conformance.py,
bench/gengraph.py, bench/gen_migrate.py): the file-name slug of a revision
and the logging sections of the generic template's alembic.ini.
Standard library only.
"""

import re

_WORD = re.compile(r"\w+")


def slug(message, truncate=40):
    """The slug in a revision's file name (ScriptDirectory._rev_path):
    the message's words joined by '_', lower case, cut at the last '_'
    before `truncate` characters (truncate_slug_length)."""
    s = "_".join(_WORD.findall(message or "")).lower()
    if len(s) > truncate:
        s = s[:truncate].rsplit("_", 1)[0] + "_"
    return s


# The end of the generic template's alembic.ini, verbatim from "[loggers]".
LOGGING_INI = '''[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
'''
