#!/bin/bash
# Builds the fixed compatibility project (alembic.ini-compat/) WITH ALEMBIC 1.8.1
# ITSELF: `alembic init` + `alembic revision`/`alembic merge` with fixed --rev-id
# values, then a few hand edits (done here with sed/python so they are
# reproducible) that give some files the header shapes real projects have:
# typed annotations (1.12+ template), a black-formatted file, a multi-line
# down_revision tuple with comments, two branch labels on one revision.
#
#   bash tests/conformance/build_compat.sh [DIR]     (default: <repo>/alembic.ini-compat)
#
# Only needed to re-create the project (Create Date lines will change); to
# re-record the expected outputs of an existing project run record_compat.sh.
#
# Graph (ids fixed):
#   3f1d9c0a2b7e  create account table        root, branchpoint
#   8a41c2e9d0f3  add shopping cart table     <- 3f1d
#   8a4f07b3c61   add a column                <- 3f1d (--splice; 11-char id)
#   c0de5a1e2f9b  merge cart and column       2-way merge (8a41, 8a4f)
#   5b7e2d9a4c10  add email col               <- c0de, branchpoint (3 children)
#   6d2a8f1e3b47  add orders table            <- 5b7e
#   6d2a8f9c0e15  add invoices table          <- 5b7e (shares 6-char prefix with 6d2a8f1e3b47)
#   71e4b0c9a2d8  add payments table          <- 5b7e
#   9e3c7b1a5f02  merge orders invoices payments   3-way merge
#   b2c94e7a1d36  create networking branch    root, labels networking + net (hand edit)
#   d4a81f6c2e90  add ip number table         <- b2c9
#   e5f0b3a7c182  add fk to account           <- d4a8, depends_on 5b7e2d9a4c10 (an id)  (head)
#   a7c3e9f1b054  dep by label                <- 9e3c, depends_on 'networking' (a label)
#   f1b2c3d4e5a6  lib base                    root, label lib       (effective head)
#   0b9d8c7e6f5a  main uses lib               <- a7c3, depends_on [lib@head -> f1b2c3d4e5a6, 'networking'] (head)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${1:-$ROOT/alembic.ini-compat}
ALEMBIC=${ALEMBIC:-/usr/bin/alembic}

mkdir -p "$D"
cd "$D"
rm -rf migrations alembic.ini expected
"$ALEMBIC" init migrations >/dev/null
sed -i 's#^sqlalchemy.url = .*#sqlalchemy.url = sqlite:///%(here)s/compat.db#' alembic.ini
# a second ini section, used with `-n compat_abs` (absolute script_location)
cat >> alembic.ini <<'EOF'

[compat_abs]
script_location = %(here)s/migrations
sqlalchemy.url = sqlite:///%(here)s/compat.db
EOF

r(){ "$ALEMBIC" revision "$@" >/dev/null; }
r -m "create account table"           --rev-id 3f1d9c0a2b7e
r -m "add shopping cart table"        --rev-id 8a41c2e9d0f3
r -m "add a column"                   --rev-id 8a4f07b3c61  --head 3f1d9c0a2b7e --splice
"$ALEMBIC" merge -m "merge cart and column" 8a41c2e9d0f3 8a4f07b3c61 --rev-id c0de5a1e2f9b >/dev/null
r -m "add email col"                  --rev-id 5b7e2d9a4c10
r -m "add orders table"               --rev-id 6d2a8f1e3b47
r -m "add invoices table"             --rev-id 6d2a8f9c0e15 --head 5b7e2d9a4c10 --splice
r -m "add payments table"             --rev-id 71e4b0c9a2d8 --head 5b7e2d9a4c10 --splice
"$ALEMBIC" merge -m "merge orders invoices payments" 6d2a8f1e3b47 6d2a8f9c0e15 71e4b0c9a2d8 \
    --rev-id 9e3c7b1a5f02 >/dev/null
r -m "create networking branch"       --rev-id b2c94e7a1d36 --head base --branch-label networking
r -m "add ip number table"            --rev-id d4a81f6c2e90 --head networking@head
r -m "add fk to account"              --rev-id e5f0b3a7c182 --head networking@head --depends-on 5b7e2d9a4c10
r -m "dep by label"                   --rev-id a7c3e9f1b054 --head 9e3c7b1a5f02 --depends-on networking
r -m "lib base"                       --rev-id f1b2c3d4e5a6 --head base --branch-label lib
r -m "main uses lib"                  --rev-id 0b9d8c7e6f5a --head a7c3e9f1b054 \
    --depends-on lib@head --depends-on networking

V=migrations/versions
# --- hand edits -----------------------------------------------------------
/usr/bin/python3 - "$V" <<'EOF'
import glob, re, sys
V = sys.argv[1]

def edit(rev, fn):
    (path,) = glob.glob("%s/%s_*.py" % (V, rev))
    with open(path) as f:
        text = f.read()
    new = fn(text)
    assert new != text, path
    with open(path, "w") as f:
        f.write(new)

TYPED_IMPORT = "from typing import Sequence, Union\n\nfrom alembic import op\n"

# 1. the 3-way merge: typed header (1.12+ template), black quotes, one parent
#    per line with comments
def merge3(t):
    t = t.replace("from alembic import op\n", TYPED_IMPORT)
    t = t.replace("revision = '9e3c7b1a5f02'", 'revision: str = "9e3c7b1a5f02"')
    t = re.sub(r"down_revision = \('6d2a8f1e3b47', '6d2a8f9c0e15', '71e4b0c9a2d8'\)",
               'down_revision: Union[str, Sequence[str], None] = (\n'
               '    "6d2a8f1e3b47",  # add orders table\n'
               '    "6d2a8f9c0e15",  # add invoices table\n'
               '    "71e4b0c9a2d8",  # add payments table\n'
               ')', t)
    t = t.replace("branch_labels = None", "branch_labels: Union[str, Sequence[str], None] = None")
    t = t.replace("depends_on = None", "depends_on: Union[str, Sequence[str], None] = None")
    return t
edit("9e3c7b1a5f02", merge3)

# 2. networking root: a second branch label, typed header
def net(t):
    t = t.replace("from alembic import op\n", TYPED_IMPORT)
    t = t.replace("revision = 'b2c94e7a1d36'", 'revision: str = "b2c94e7a1d36"')
    t = t.replace("down_revision = None", "down_revision: Union[str, None] = None")
    t = t.replace("branch_labels = ('networking',)",
                  'branch_labels: Union[str, Sequence[str], None] = ("networking", "net")')
    t = t.replace("depends_on = None", "depends_on: Union[str, Sequence[str], None] = None")
    return t
edit("b2c94e7a1d36", net)

# 3. the 2-way merge: black-formatted (double quotes), parents as a list
def merge2(t):
    t = t.replace("revision = 'c0de5a1e2f9b'", 'revision = "c0de5a1e2f9b"')
    t = t.replace("down_revision = ('8a41c2e9d0f3', '8a4f07b3c61')",
                  'down_revision = ["8a41c2e9d0f3", "8a4f07b3c61"]')
    return t
edit("c0de5a1e2f9b", merge2)

# 4. main uses lib: depends_on list split over lines, with a comment
def mainlib(t):
    return t.replace("depends_on = ['f1b2c3d4e5a6', 'networking']",
                     "depends_on = [\n    'f1b2c3d4e5a6',  # lib@head\n    'networking',\n]")
edit("0b9d8c7e6f5a", mainlib)

# 5. a one-element tuple for down_revision (hand-written style)
def ip(t):
    return t.replace("down_revision = 'b2c94e7a1d36'", "down_revision = ('b2c94e7a1d36',)")
edit("d4a81f6c2e90", ip)
EOF
echo "built $D"
