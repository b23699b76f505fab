#!/usr/bin/python3
"""Run the Alembic 1.8.1 CLI with os.listdir() returning sorted names.

Alembic 1.8.1 loads revision files in raw os.listdir() order, which becomes the
revision map's order and so the order of `heads` and `history`. revgraph always
loads files sorted by name (as Alembic does from 1.10 on). Sorting here makes
Alembic's output comparable with revgraph's; the cost of sorting a list of
names is negligible next to importing the files.

Usage: /usr/bin/python3 bench/alembic_sorted.py -c alembic.ini heads
"""
import os
import sys

_listdir = os.listdir


def _sorted_listdir(path="."):
    return sorted(_listdir(path))


os.listdir = _sorted_listdir

from alembic.config import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="alembic"))
