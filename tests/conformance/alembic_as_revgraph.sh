#!/bin/sh
# Stand-in for the revgraph binary that runs Alembic itself (sorted listdir),
# used to validate the conformance harness:
#   /usr/bin/python3 test_alembic_conformance.py --revgraph tests/conformance/alembic_as_revgraph.sh \
#       --source . --accept-identical-crash
# Each call uses a fresh random string-hash seed (unless RG_WRAPPER_HASHSEED is
# set), so hash-order differences from the harness's own Alembic do show up.
PYTHONHASHSEED=${RG_WRAPPER_HASHSEED:-random}
export PYTHONHASHSEED
exec /usr/bin/python3 "$(dirname "$0")/alembic_sorted.py" "$@"
