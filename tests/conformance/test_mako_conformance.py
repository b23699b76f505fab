#!/usr/bin/python3
"""Byte-for-byte test of revgraph's Mako-subset renderer against real Mako.

Every template is rendered twice with the same variables: by Alembic 1.8.1's
own ``alembic.util.template_to_file`` (real Mako, the keyword arguments
``ScriptDirectory.generate_revision`` passes: ``comma``, a real ``Config``
or, for ``merge``, the string ``"config"``) and by ``rg_mako_render()``
through the test-only ``mako_render`` program.  The outputs must be
identical bytes; when Mako fails, revgraph must fail too.

Templates: Alembic 1.8.1's ``generic``, ``multidb`` and ``async``
``script.py.mako``, the hand-written older/newer shapes and the
construct fixture in ``tests/resources/mako/``, and generated variants
(CRLF line endings, a byte order mark, a coding comment).  Variables:
``--sets`` random sets per template (None / str / 1-, 2-, 3-tuples, quotes,
backslashes and unicode in messages and ids, empty and non-empty
imports/upgrades/downgrades, present and missing ``databases`` options,
``merge``'s ``config``).

Then a fixed list of control blocks with empty bodies and ``--templates``
random templates built from pieces of the subset
(text around the lexer's boundaries: backslash-newlines, ``%%``, ``<&``,
lone CRs; expressions, control lines, code and doc blocks) must render to
the same bytes, or fail in both.

Then every fixture in ``tests/resources/mako/errors/`` (each construct
outside the subset) must fail with exactly one line
``<path>:<line>: ...``, the line given by the fixture's
``## error-line: N`` line (a Mako comment).

Usage::

    /usr/bin/python3 tests/conformance/test_mako_conformance.py \\
        --revgraph build/revgraph --source . [--tool build/tests/mako_render]
        [--seed S] [--sets N] [--templates N]

The tool defaults to ``$RG_MAKO_RENDER`` (set by ctest).  The last line is
``N passed, M failed``; exit status 0 iff nothing failed.
"""

import argparse
import datetime
import glob
import os
import random
import re
import subprocess
import sys
import tempfile

from alembic import util as alembic_util
from alembic.config import Config

ALEMBIC_TEMPLATES = "/usr/lib/python3/dist-packages/alembic/templates"

ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz0123456789_-. "
    "'\"\\%$#{}|,\t\n"
    "éü€中文ß→—…😀"
)
IDCHARS = "0123456789abcdef"


def rand_text(rng, lo=0, hi=24, alphabet=ALPHABET):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_id(rng):
    r = rng.random()
    if r < 0.7:
        return "".join(rng.choice(IDCHARS) for _ in range(12))
    if r < 0.85:
        return rand_text(rng, 1, 12, "abc_123éü中'\"\\")
    return rand_text(rng, 1, 16, ALPHABET.replace("\n", "").replace("\t", ""))


def rand_value(rng, allow_str=True):
    """None, a str, or a 1-, 2- or 3-tuple of str."""
    r = rng.random()
    if r < 0.3:
        return None
    if r < 0.55 and allow_str:
        return rand_id(rng)
    return tuple(rand_id(rng) for _ in range(rng.choice((1, 2, 2, 3))))


def rand_databases(rng):
    r = rng.random()
    if r < 0.1:
        return None
    names = [rand_text(rng, 1, 8, "abcdefgh_12") for _ in range(rng.randint(1, 4))]
    seps = [", ", ",", ",   ", ",\t", " , "]
    out = names[0]
    for n in names[1:]:
        out += rng.choice(seps) + n
    if rng.random() < 0.2:
        out += rng.choice((",", ", "))
    return out


def rand_vars(rng):
    kw = {
        "up_revision": rand_id(rng),
        "down_revision": rand_value(rng),
        "branch_labels": rand_value(rng, allow_str=False),
        "depends_on": rand_value(rng),
        "message": rng.choice(("empty message", rand_text(rng, 0, 40))),
        "create_date": datetime.datetime(
            rng.randint(1990, 2030), rng.randint(1, 12), rng.randint(1, 28),
            rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
            rng.choice((0, rng.randint(0, 999999)))),
    }
    for name in ("imports", "upgrades", "downgrades"):
        r = rng.random()
        if r < 0.4:
            continue  # not passed at all, as for a plain `revision`
        kw[name] = "" if r < 0.6 else rand_text(rng, 1, 30)
    options = {}
    dbs = rand_databases(rng)
    if dbs is not None:
        options["databases"] = dbs
    return kw, options, rng.random() < 0.1


# Pieces of random templates: text around Mako's lexer boundaries, and
# expressions, control lines and blocks of the subset.
TEXT_PIECES = [
    "abc", " ", "\n", "\n", "\n", "\\\n", "\\\\\n", "%", "%%", "##", "#", "<", "&", "<&",
    "</&", "$", "{", "}", "'", '"', "\t", "\r\n", "\r", "\u00e9", "  ", "%>", "\\",
]
EXPR_PIECES = [
    "${message}", "${repr(down_revision)}", "${down_revision | comma,n}",
    "${upgrades if upgrades else \"pass\"}", "${'%s_x' % up_revision}",
    "${ context.get(\"a\", \"b\") }", "${nothing}", "${repr(branch_labels)}",
    "${depends_on}", "${imports if imports else ''}", "${ message | trim }", "${'}'}",
    "${ # c\n message}", "${ message # c\n}", "${x}", "${db}", "${repr((up_revision,))}",
    "${'%s-%r' % (depends_on, message)}", "${branch_labels | comma}", "${str(depends_on) + '!'}",
    "${'a' if depends_on is None else 'b'}", "${'lib' in (branch_labels or ())}",
    "${context.get('%s_upgrades' % 'e1', 'pass')}", "${ (message,\n up_revision) }",
    "${'\\t\\x41\\u00e9'}", "${r'\\s'}", "${\"\"\"q'uote\"\"\"}", "${ | trim}", "${}",
    "${message | }", "${depends_on | n}", "${create_date}",
]
LINE_PIECES = [
    "% if message:\n", "% if not imports:\n", "% elif True:\n", "% elif depends_on == None:\n",
    "% else:\n", "% endif\n", "% for x in ('a', 'b'):\n", "% for x in 'xy':\n", "% endfor\n",
    "## comment\n", "  ## indented\n", "  % if True:\n", "\t% endif\n",
    "% for db in re.split(r',\\s*', config.get_main_option('databases')):\n",
    "<% x = 'v' %>", "<%!\nimport re\n%>", "<%\n    x = up_revision\n%>\n",
    "<%doc>\n${x}\n</%doc>", "%% lit\n", " %% lit\n", "<% x = 'a'; y = x + 'b' %>${y}",
    "<%\n    # c\n    x = ('a',\n  'b')\n%>", "% if x is UNDEFINED:\n", "<%! import re %>",
]

# Control blocks with empty bodies, checked every run whatever the seed:
# Mako writes `pass` into an `if` only when no branch holds anything but
# comments, so an empty first branch before a non-empty later one does not
# compile (IndentationError) and revgraph must refuse it; the others render.
EMPTY_BODY_TEMPLATES = [
    "% if message:\n% endif\n",
    "% if message:\n% else:\nfoo\n% endif\n",
    "% if message:\nfoo\n% else:\n% endif\n",
    "% for a in 'ab':\n% endfor\n",
    "% if message:\n## c\n% endif\n",
    "% if message:\n% elif True:\nfoo\n% endif\n",
    "% if message:\n% elif True:\n% endif\n",
    "% if message:\n## a\n% elif True:\n## b\n% else:\n  ## c\n% endif\n",
    "% if message:\nfoo\n% elif True:\n% else:\nbar\n% endif\n",
    "% if not message:\nfoo\n% elif True:\n## c\n% else:\nbar\n% endif\n",
    "% if message:\n% if True:\n% endif\n% endif\n",
    "% if message:\n% if True:\n% else:\nx\n% endif\n% endif\n",
    "% if message:\n% else:\n% if True:\n% endif\n% endif\n",
    "% if message:\n% if True:\n% endif\n% else:\nq\n% endif\n",
    "% if message:\n% else:\n% for a in 'x':\n% endfor\n% endif\n",
    "% for a in 'xy':\n% if a == 'x':\n% else:\n${a}\n% endif\n% endfor\n",
    "% if message:\n<%doc>d</%doc>\n% else:\nq\n% endif\n",
    "% if message:\n## a\n% else:\n## b\n% endif\n",
    "% if message:\n\\\n% else:\nq\n% endif\n",
    "% if message:\n<% x = 'a' %>\\\n% else:\nq\n% endif\n",
    "% if message:\n<%\n# c\n%>\\\n% else:\nq\n% endif\n",
    "% if message:\n<%! import re %>\\\n% else:\nq\n% endif\n",
    "% if message:\n% else:\n<%! import re %>\n% endif\n",
    "% if message:\n% elif True:\n${message}\n% endif\n",
    "${'a' if depends_on is None else 'b'}  % if True:\n% if not imports:\n% else:\n"
    "  ## indented\n${nothing}<%\n    x = up_revision\n%>\n\t% endif\n${}",
]


def rand_template(rng):
    parts = []
    for _ in range(rng.randint(1, 25)):
        r = rng.random()
        pieces = TEXT_PIECES if r < 0.45 else EXPR_PIECES if r < 0.7 else LINE_PIECES
        parts.append(rng.choice(pieces))
    return "".join(parts)


def render_mako(path, kw, options, merge):
    """(True, bytes) or (False, reason) from Alembic's template_to_file."""
    if merge:
        config = "config"
    else:
        config = Config()
        for k, v in options.items():
            config.set_main_option(k, v.replace("%", "%%"))
    args = dict(kw, comma=alembic_util.format_as_comma, config=config)
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, "out.py")
        try:
            alembic_util.template_to_file(path, dest, "utf-8", **args)
        except Exception as err:  # CommandError: "Template rendering failed"
            return False, "%s: %s" % (type(err).__name__, err)
        with open(dest, "rb") as f:
            return True, f.read()


def hexs(s):
    return s.encode("utf-8").hex() or "-"


def pyval_line(name, v):
    if v is None:
        return "%s none" % name
    if isinstance(v, str):
        return "%s str %s" % (name, hexs(v))
    return "%s tuple %s" % (name, " ".join(hexs(x) for x in v))


def render_rg(tool, path, kw, options, merge):
    lines = [
        pyval_line("down_revision", kw["down_revision"]),
        pyval_line("branch_labels", kw["branch_labels"]),
        pyval_line("depends_on", kw["depends_on"]),
        "up_revision str %s" % hexs(kw["up_revision"]),
        "message str %s" % hexs(kw["message"]),
        "create_date str %s" % hexs(str(kw["create_date"])),
    ]
    for name in ("imports", "upgrades", "downgrades"):
        if name in kw:
            lines.append("%s str %s" % (name, hexs(kw[name])))
    for k, v in options.items():
        lines.append("option %s %s" % (k, hexs(v)))
    if merge:
        lines.append("noconfig")
    p = subprocess.run([tool, path], input="\n".join(lines).encode() + b"\n",
                       capture_output=True, timeout=30)
    if p.returncode == 0:
        return True, p.stdout
    if p.returncode != 1:
        return False, "crashed (%d): %s" % (p.returncode, p.stderr.decode(errors="replace"))
    return False, p.stderr.decode(errors="replace")


class Result:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.reported = 0

    def ok(self):
        self.passed += 1

    def fail(self, what, detail):
        self.failed += 1
        if self.reported < 15:
            self.reported += 1
            print("FAIL %s\n%s" % (what, detail))


def first_diff(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return "first difference at byte %d:\n  mako:     %r\n  revgraph: %r" % (
        n, a[max(0, n - 40):n + 40], b[max(0, n - 40):n + 40])


def variants(tmp, paths):
    """Each template, plus CRLF / BOM / coding-comment copies of a few."""
    out = list(paths)
    for p in paths[:4]:
        with open(p, "rb") as f:
            data = f.read()
        base = os.path.join(tmp, os.path.basename(os.path.dirname(p)) + "_" + os.path.basename(p))
        for suffix, new in (
            ("crlf", data.replace(b"\n", b"\r\n")),
            ("bom", b"\xef\xbb\xbf" + data),
            ("coding", b"# -*- coding: utf-8 -*-\n" + data),
            ("coding2", b"#!/x\n# vim: set fileencoding=utf8 :\n" + data),
        ):
            path = "%s.%s" % (base, suffix)
            with open(path, "wb") as f:
                f.write(new)
            out.append(path)
    return out


def check_errors(tool, source, res):
    for path in sorted(glob.glob(os.path.join(source, "tests/resources/mako/errors/*.mako"))):
        with open(path, "rb") as f:
            m = re.search(rb"^## error-line: (\d+)$", f.read(), re.M)
        if not m:
            res.fail(path, "no '## error-line: N' line")
            continue
        kw = {"up_revision": "ae1027a6acf", "down_revision": None, "branch_labels": None,
              "depends_on": None, "message": "m",
              "create_date": datetime.datetime(2026, 1, 1)}
        ok, out = render_rg(tool, path, kw, {"databases": "a, b"}, False)
        want = "%s:%s: " % (path, m.group(1).decode())
        if ok:
            res.fail(path, "rendered instead of failing")
        elif not out.startswith(want) or out.count("\n") != 1:
            res.fail(path, "expected one line starting %r, got %r" % (want, out))
        else:
            res.ok()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--revgraph", help="unused; ctest passes it to every conformance test")
    ap.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--tool", default=os.environ.get("RG_MAKO_RENDER"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--sets", type=int, default=40)
    ap.add_argument("--templates", type=int, default=300,
                    help="random templates built from the subset's pieces")
    args = ap.parse_args()
    if not args.tool:
        sys.exit("no --tool and no $RG_MAKO_RENDER")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    rng = random.Random(seed)
    res = Result()

    paths = [os.path.join(ALEMBIC_TEMPLATES, t, "script.py.mako")
             for t in ("generic", "multidb", "async")]
    paths += sorted(glob.glob(os.path.join(args.source, "tests/resources/mako/*.mako")))
    with tempfile.TemporaryDirectory() as tmp:
        for path in variants(tmp, paths):
            both_ok = 0
            for i in range(args.sets):
                kw, options, merge = rand_vars(rng)
                if i == 0:  # one plain, always-valid set per template
                    options["databases"] = "engine1, engine2"
                    merge = False
                m_ok, m_out = render_mako(path, kw, options, merge)
                r_ok, r_out = render_rg(args.tool, path, kw, options, merge)
                what = "%s set %d (%r, options %r, merge %s)" % (path, i, kw, options, merge)
                if m_ok and r_ok:
                    if m_out == r_out:
                        res.ok()
                        both_ok += 1
                    else:
                        res.fail(what, first_diff(m_out, r_out))
                elif m_ok:
                    res.fail(what, "mako rendered, revgraph failed: %s" % r_out)
                elif r_ok:
                    res.fail(what, "mako failed (%s), revgraph rendered" % m_out)
                elif not re.match(r"^%s:\d+: .*\n$" % re.escape(path), r_out):
                    res.fail(what, "revgraph's error is not one '<path>:<line>: ' line: %r" % r_out)
                else:
                    res.ok()
            if both_ok == 0:
                res.fail(path, "no variable set rendered at all: the test proves nothing")
        # random templates: where Mako renders, revgraph must render the
        # same bytes; where Mako fails, revgraph must fail too
        for i in range(len(EMPTY_BODY_TEMPLATES) + args.templates):
            if i < len(EMPTY_BODY_TEMPLATES):
                text = EMPTY_BODY_TEMPLATES[i]
            else:
                text = rand_template(rng)
            path = os.path.join(tmp, "random-%d.mako" % i)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            kw, options, merge = rand_vars(rng)
            options["databases"] = "e1, e2"
            m_ok, m_out = render_mako(path, kw, options, merge)
            r_ok, r_out = render_rg(args.tool, path, kw, options, merge)
            what = "random template %r with %r (merge %s)" % (text, kw, merge)
            if m_ok and r_ok and m_out != r_out:
                res.fail(what, first_diff(m_out, r_out))
            elif m_ok != r_ok:
                res.fail(what, "mako: %s\nrevgraph: %s" % (
                    "rendered" if m_ok else m_out, "rendered" if r_ok else r_out))
            elif not r_ok and not re.match(r"^%s:\d+: .*\n$" % re.escape(path), r_out):
                res.fail(what, "revgraph's error is not one '<path>:<line>: ' line: %r" % r_out)
            else:
                res.ok()
    check_errors(args.tool, args.source, res)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
