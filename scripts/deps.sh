#!/usr/bin/env bash
# Installs what building and testing revgraph needs, from Debian's packages.
# Run as root, or as a user with sudo.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS="build-essential cmake pkg-config libsqlite3-dev libpq-dev libyaml-dev uthash-dev
      libcmocka-dev sqlite3 python3 python3-alembic python3-sqlalchemy python3-psycopg2 python3-dateutil postgresql
      postgresql-common"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
