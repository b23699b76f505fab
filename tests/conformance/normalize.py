#!/usr/bin/python3
"""Canonical form of Alembic/revgraph output for hash-order-independent comparison.

Alembic 1.8.1 prints some collections in Python hash order (which changes with
PYTHONHASHSEED) or object-identity order:

* ``Branches into: a, b`` (a revision's children, a frozenset);
* ``Branch names: x, y`` and the ``(label1, label2)`` group after a revision
  id in the short formats (a set of labels);
* the child lines under a branchpoint in ``branches`` output;
* which of two revisions declaring the same branch label is named first in
  ``Branch name 'L' in revision A already used by revision B``;
* the list in ``Requested revision A overlaps with other requested revisions
  B, C`` (a set of Revision objects).

``normalize(text)`` sorts exactly those parts, so two outputs that differ only
there compare equal.  Everything else is left byte-for-byte unchanged.

As a filter (no Alembic needed, any python3)::

    python3 normalize.py < output.txt > canonical.txt
"""

import re
import sys

_MARKERS = {"head", "effective head", "current", "branchpoint", "mergepoint"}
# "<rev> (<label>, <label>...)" not followed by " -> " (that would be the raw
# depends_on group of a history line, whose order is the file's order).
_LABEL_GROUP = re.compile(
    r"(?P<rev>(?<![\w])[0-9A-Za-z_]+) \((?P<grp>[^()]*?, [^()]*?)\)(?! -> )"
)
_CHILD_LINE = re.compile(r"^ +-> ")
# which of two revisions declaring the same label is reported first follows
# the iteration order of a set of Revision objects (identity hash order)
_DUP_LABEL = re.compile(
    r"^(?P<pre>FAILED: Branch name '(?P<label>[^']*)' in revision )(?P<a>\S+)"
    r"(?P<mid> already used by revision )(?P<b>\S+)$")


# "Requested revision A overlaps with other requested revisions B, C": B, C
# come from a set of Revision objects (identity hash order)
_OVERLAP = "overlaps with other requested revisions "


def _sort_items(text):
    return ", ".join(sorted(text.split(", ")))


def normalize(text, labels=None):
    """Return ``text`` with hash-order-dependent parts sorted.

    * ``Branches into: a, b`` and ``Branch names: x, y`` items are sorted;
    * a ``(label1, label2)`` group right after a revision id is sorted (if
      ``labels`` is given, only groups made of those labels are touched);
    * in ``branches`` output, the child entries under one branchpoint
      (``<spaces> -> ...`` lines, plus continuation lines of a multi-line doc)
      are sorted.
    """
    if not text:
        return text
    trailing_nl = text.endswith("\n")
    lines = text.split("\n")
    if trailing_nl:
        lines.pop()

    def fix_group(m):
        items = m.group("grp").split(", ")
        if any(i in _MARKERS for i in items):
            return m.group(0)
        if labels is not None:
            if not all(i in labels for i in items):
                return m.group(0)
        elif not all(re.match(r"^\w+$", i) for i in items):
            return m.group(0)
        return "%s (%s)" % (m.group("rev"), ", ".join(sorted(items)))

    fixed = []
    for line in lines:
        m = _DUP_LABEL.match(line)
        if m and m.group("label") not in (m.group("a"), m.group("b")):
            a, b = sorted([m.group("a"), m.group("b")])
            line = m.group("pre") + a + m.group("mid") + b
        elif line.startswith("FAILED: Requested revision ") and _OVERLAP in line:
            head, _, items = line.partition(_OVERLAP)
            line = head + _OVERLAP + _sort_items(items)
        elif line.startswith("Branches into: "):
            line = "Branches into: " + _sort_items(line[len("Branches into: "):])
        elif line.startswith("Branch names: "):
            line = "Branch names: " + _sort_items(line[len("Branch names: "):])
        elif not line.startswith("    ") or _CHILD_LINE.match(line):
            # short formats (heads/branches/history); skip indented docstrings
            line = _LABEL_GROUP.sub(fix_group, line)
        fixed.append(line)

    # sort runs of branch child entries
    result = []
    i = 0
    n = len(fixed)
    while i < n:
        if _CHILD_LINE.match(fixed[i]):
            entries = []
            while i < n and _CHILD_LINE.match(fixed[i]):
                entry = [fixed[i]]
                i += 1
                while i < n and fixed[i] != "" and not _CHILD_LINE.match(fixed[i]):
                    entry.append(fixed[i])
                    i += 1
                entries.append("\n".join(entry))
            result.extend(sorted(entries))
        else:
            result.append(fixed[i])
            i += 1
    out = "\n".join(result)
    if trailing_nl:
        out += "\n"
    return out



if __name__ == "__main__":
    data = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    sys.stdout.buffer.write(normalize(data).encode("utf-8", "surrogateescape"))
