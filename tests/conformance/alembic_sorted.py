#!/usr/bin/python3
"""Run Alembic 1.8.1's command line with revision files loaded in sorted order.

revgraph loads revision files in sorted file-name order, whereas Alembic 1.8.1
uses the raw ``os.listdir()`` order.  This module patches ``os.listdir`` to
return sorted names and behaves as if stdin were not a tty (no word-wrapping
of ``FAILED:`` lines), so that Alembic's output is the reference revgraph must
reproduce.

As a script it takes exactly Alembic's argv::

    /usr/bin/python3 alembic_sorted.py [-c FILE] [-n NAME] heads -v

As a module it runs many commands in one process (much faster than one
interpreter per command)::

    import alembic_sorted
    res = alembic_sorted.run(["history", "-v"], cwd="/path/to/project")
    res.status, res.stdout, res.stderr

``run()`` captures stdout and stderr, turns ``SystemExit`` into the exit status
(``sys.exit(-1)`` -> 255) and any other exception into status 1 with the
traceback on stderr, like the real ``alembic`` executable.

It also exposes ``normalize()``, which rewrites the parts of Alembic's output
whose order depends on Python's string-hash order (PYTHONHASHSEED) into a
canonical (sorted) form, so that outputs can be compared as sets there.
It must be run with /usr/bin/python3 (Debian's python3-alembic).
"""

import io
import os
import sys
import traceback
import warnings

_orig_listdir = os.listdir


def _sorted_listdir(path="."):
    return sorted(_orig_listdir(path))


os.listdir = _sorted_listdir

# Revision files are imported with importlib; keep generated projects (and the
# checked-in compat project) free of __pycache__ unless a caller opts in.
if os.environ.get("ALEMBIC_SORTED_WRITE_BYTECODE") != "1":
    sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import alembic  # noqa: E402
import alembic.config  # noqa: E402
import alembic.util.messaging  # noqa: E402

# Behave as if stdin is not a terminal: msg() lines are never wrapped/indented.
alembic.util.messaging.TERMWIDTH = None

ALEMBIC_VERSION = alembic.__version__


class _Stream(io.TextIOBase):
    """A text stream that forwards to a replaceable target.

    Alembic binds ``sys.stdout`` as a default argument of ``Config.__init__``
    at import time, so that default is replaced by this proxy once and the
    proxy's target is switched per run.
    """

    def __init__(self, target):
        super().__init__()
        self.target = target

    @property
    def encoding(self):
        return getattr(self.target, "encoding", None) or "utf-8"

    def write(self, s):
        return self.target.write(s)

    def flush(self):
        flush = getattr(self.target, "flush", None)
        if flush:
            flush()

    def isatty(self):
        return False

    def fileno(self):
        raise io.UnsupportedOperation("fileno")


class _Capture(io.StringIO):
    encoding = "utf-8"  # what a real stdout pipe uses under Python 3.11


_stdout_proxy = _Stream(sys.stdout)


def _install_stdout_proxy():
    init = alembic.config.Config.__init__
    defaults = list(init.__defaults__ or ())
    # Config.__init__(self, file_=None, ini_section="alembic", output_buffer=None,
    #                 stdout=sys.stdout, cmd_opts=None, config_args=..., attributes=None)
    for i, d in enumerate(defaults):
        if d is sys.__stdout__ or d is sys.stdout:
            defaults[i] = _stdout_proxy
    init.__defaults__ = tuple(defaults)


_install_stdout_proxy()


# ---------------------------------------------------------------------------
# Compiled-code cache
# ---------------------------------------------------------------------------
# Alembic imports every revision file for every command; compiling them is most
# of the cost of a command.  Cache the code objects by (path, file bytes) --
# what a .pyc would do, without writing __pycache__ into the projects.  Each
# load still executes the code in a fresh module, exactly like
# importlib's exec_module().
import alembic.util.pyfiles as _pyfiles  # noqa: E402
import importlib.util  # noqa: E402

_orig_load_module_py = _pyfiles.load_module_py
_code_cache = {}


def _load_module_py(module_id, path):
    if not path.endswith(".py"):
        return _orig_load_module_py(module_id, path)
    spec = importlib.util.spec_from_file_location(module_id, path)
    assert spec
    with open(path, "rb") as f:
        data = f.read()
    key = (path, data)
    code = _code_cache.get(key)
    if code is None:
        code = spec.loader.source_to_code(data, path)
        _code_cache[key] = code
    module = importlib.util.module_from_spec(spec)
    exec(code, module.__dict__)
    return module


def clear_code_cache():
    _code_cache.clear()


_pyfiles.load_module_py = _load_module_py


# ---------------------------------------------------------------------------
# Order of normalized dependencies
# ---------------------------------------------------------------------------
# RevisionMap._normalize_depends_on stores tuple(set(...)), so a revision with
# two or more (non-redundant) dependencies gets them in string-hash order.  That
# order is the tie-break of the topological sort behind `history` and
# `branches`, so their line order depends on PYTHONHASHSEED.  run() records
# such revisions (Result.multi_deps) and can force an order (dep_order) so a
# harness can accept any of the orders Alembic could have produced.
import alembic.script.revision as _revision  # noqa: E402

_orig_normalize = _revision.RevisionMap._normalize_depends_on
_dep_state = {"order": None, "seen": {}}


def _normalize_depends_on(self, revisions, map_):
    _orig_normalize(self, revisions, map_)
    order = _dep_state["order"]
    for rev in revisions:
        nd = rev._normalized_resolved_dependencies
        if len(nd) > 1:
            _dep_state["seen"][rev.revision] = tuple(sorted(nd))
            if order and rev.revision in order:
                forced = tuple(order[rev.revision])
                assert sorted(forced) == sorted(nd), (forced, nd)
                rev._normalized_resolved_dependencies = forced


_revision.RevisionMap._normalize_depends_on = _normalize_depends_on


class Result(object):
    __slots__ = ("argv", "status", "stdout", "stderr", "multi_deps")

    def __init__(self, argv, status, stdout, stderr, multi_deps=None):
        self.argv = argv
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        # {revision id: sorted tuple of its normalized dependencies} for every
        # revision with 2+ of them (their order is hash order in Alembic)
        self.multi_deps = multi_deps or {}

    def __repr__(self):
        return "Result(%r, status=%r)" % (self.argv, self.status)


def _exit_status(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1  # sys.exit("message") prints the message and exits 1


_cli = []


def _command_line():
    # building the argparse parser costs more than most commands; it holds no
    # per-run state, so one instance is reused
    if not _cli:
        _cli.append(alembic.config.CommandLine(prog="alembic"))
    return _cli[0]


def run(argv, cwd=None, env=None, dep_order=None):
    """Run ``alembic <argv>`` in-process and return a Result.

    ``cwd``: directory to run in (restored afterwards).  ``env``: extra
    environment variables set for the duration of the run (e.g.
    ALEMBIC_CONFIG).  ``dep_order``: {revision id: sequence} forcing the order
    of a revision's normalized dependencies (see Result.multi_deps).
    """
    argv = list(argv)
    out = _Capture()
    err = _Capture()
    old_cwd = os.getcwd() if cwd is not None else None
    old_path = list(sys.path)
    old_env = {}
    saved = (sys.stdout, sys.stderr, _stdout_proxy.target)
    status = 0
    _dep_state["order"] = dep_order
    _dep_state["seen"] = {}
    try:
        if env:
            for k, v in env.items():
                old_env[k] = os.environ.get(k)
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        if cwd is not None:
            os.chdir(cwd)
        _stdout_proxy.target = out
        sys.stdout = _stdout_proxy
        sys.stderr = err
        with warnings.catch_warnings():
            # a fresh interpreter shows each warning once per location
            warnings.simplefilter("default")
            try:
                _command_line().main(argv=argv)
            except SystemExit as e:
                status = _exit_status(e.code)
                if isinstance(e.code, str):
                    err.write(e.code + "\n")
            except KeyboardInterrupt:
                raise
            except BaseException:
                status = 1
                err.write(traceback.format_exc())
    finally:
        sys.stdout, sys.stderr, _stdout_proxy.target = saved
        _dep_state["order"] = None
        sys.path[:] = old_path
        if old_cwd is not None:
            os.chdir(old_cwd)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Result(argv, status, out.getvalue(), err.getvalue(),
                  dict(_dep_state["seen"]))


# Canonical form for hash-order-dependent output: see normalize.py
from normalize import normalize  # noqa: E402,F401


def serve():
    """Answer JSON requests {"argv": [...], "cwd": "..."} one per line on
    stdin with {"status", "stdout", "stderr"} lines on stdout (used by the
    harness's --self-test to compare Alembic with Alembic running under a
    different PYTHONHASHSEED without starting one interpreter per command)."""
    import json
    proto_out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        res = run(req["argv"], cwd=req.get("cwd"))
        proto_out.write(json.dumps({"status": res.status, "stdout": res.stdout,
                                    "stderr": res.stderr}) + "\n")
        proto_out.flush()
    return 0


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--serve":
        return serve()
    _stdout_proxy.target = sys.stdout
    try:
        alembic.config.CommandLine(prog="alembic").main(argv=argv)
    finally:
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
