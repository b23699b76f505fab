#!/usr/bin/env bash
# init, list_templates and edit: Alembic's messages (asserted exactly), every
# refusal leaving the disk as it was, the generated projects working with no
# edits (heads, upgrade head) from any directory, the templates found in the
# source tree, through REVGRAPH_TEMPLATES and in an installed tree, and the
# editor chosen and failing as Alembic's does.
# Usage: test_init.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

unset ALEMBIC_CONFIG REVGRAPH_TEMPLATES EDITOR VISUAL
export REVGRAPH_NO_CACHE=1

# ---------------------------------------------------------------- list_templates
check "list_templates" 0 "Available templates:

generic - Generic single-database configuration with YAML revisions and SQLite.
postgresql - Single-database configuration with YAML revisions and PostgreSQL.
sql - Single-database configuration with plain SQL revisions and SQLite.

Templates are used via the 'init' command, e.g.:

  revgraph init --template generic ./scripts" -- "$RG" list_templates
check "list_templates takes no argument" 2 "" -- "$RG" list_templates x
check "init needs a directory" 2 "" -- "$RG" init
check "init --help" 0 "usage: revgraph init [-h] [-t TEMPLATE] [--package] directory

Initialize a new scripts directory.

positional arguments:
  directory             location of scripts directory

options:
  -h, --help            show this help message and exit
  -t TEMPLATE, --template TEMPLATE
                        Setup template for use with 'init'
  --package             Write empty __init__.py files to the environment and version locations" -- \
  "$RG" init --help

# ---------------------------------------------------------------- init, generic
mkdir "$T/p1"
cd "$T/p1"
check "init generic" 0 "Creating directory $T/p1/migrations ...  done
Creating directory $T/p1/migrations/versions ...  done
Generating $T/p1/migrations/README ...  done
Generating $T/p1/alembic.ini ...  done
Generating $T/p1/migrations/script.yaml.tmpl ...  done
Please edit configuration/connection/logging settings in '$T/p1/alembic.ini' before proceeding." -- \
  "$RG" init migrations
eq "generic: what init made" "$(tree "$T/p1")" "./alembic.ini
./migrations
./migrations/README
./migrations/script.yaml.tmpl
./migrations/versions"
eq "generic: README copied" "$(cat migrations/README)" "$(cat "$ROOT/templates/generic/README")"
eq "generic: ini keys" "$(grep -E '^(script_location|sqlalchemy.url|version_path_separator) ' alembic.ini)" \
  "script_location = %(here)s/migrations
version_path_separator = os
sqlalchemy.url = sqlite:///%(here)s/app.db"
eq "generic: no template syntax left" "$(grep -c '\${' alembic.ini)" 0
check "generic: heads on the new project" 0 "" -- "$RG" heads
check "generic: history on the new project" 0 "" -- "$RG" history
check "generic: upgrade head on the new project" 0 "" -- "$RG" upgrade head
truth "generic: upgrade created the SQLite file" test -s "$T/p1/app.db"
eq "generic: upgrade logged" "$(cat "$T/stderr")" "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.
INFO  [alembic.runtime.migration] Will assume non-transactional DDL."
# a revision written by hand, applied from another working directory
printf 'revision: aaaa11112222\ndown_revision: null\nmessage: first\nupgrade: CREATE TABLE t (id INTEGER)\n' \
  > migrations/versions/aaaa11112222_first.yaml
cd /
check "generic: heads from another directory" 0 "aaaa11112222 (head)" -- "$RG" -c "$T/p1/alembic.ini" heads
check "generic: upgrade from another directory" 0 "" -- "$RG" -c "$T/p1/alembic.ini" upgrade head
check "generic: current" 0 "aaaa11112222 (head)" -- "$RG" -c "$T/p1/alembic.ini" current
truth "generic: the database is the one next to the ini" test ! -e /app.db
cd "$T/p1"

# ---------------------------------------------------------------- refusals change nothing
before=$(tree "$T/p1"; md5sum alembic.ini)
check "non-empty directory" 255 "FAILED: Directory migrations already exists and is not empty" -- \
  "$RG" init migrations
check "non-empty directory, as typed" 255 "FAILED: Directory ./migrations/ already exists and is not empty" -- \
  "$RG" init ./migrations/
check "unknown template" 255 "FAILED: No such template 'nosuch'" -- "$RG" init -t nosuch fresh
check "template name is not a path" 255 "FAILED: No such template '../templates/generic'" -- \
  "$RG" init --template ../templates/generic fresh
check "the non-empty check comes first" 255 "FAILED: Directory migrations already exists and is not empty" -- \
  "$RG" init -t nosuch migrations
touch afile
check "a file in the way" 255 "FAILED: Directory afile already exists and is not a directory" -- \
  "$RG" init afile
rm afile
check "config directory missing" 255 \
  "FAILED: cannot write '$T/p1/nodir/alembic.ini': directory '$T/p1/nodir' does not exist" -- \
  "$RG" -c nodir/alembic.ini init fresh
eq "refusals changed nothing" "$(tree "$T/p1"; md5sum alembic.ini)" "$before"

# ---------------------------------------------------------------- existing ini, empty dir, --package
mkdir empty
check "existing empty directory, existing ini skipped, --package" 0 \
  "Creating directory $T/p1/empty/versions ...  done
Generating $T/p1/empty/README ...  done
File $T/p1/alembic.ini already exists, skipping
Generating $T/p1/empty/script.yaml.tmpl ...  done
Adding $T/p1/empty/__init__.py ...  done
Adding $T/p1/empty/versions/__init__.py ...  done
Please edit configuration/connection/logging settings in '$T/p1/alembic.ini' before proceeding." -- \
  "$RG" init --package empty
eq "existing ini untouched" "$(tree "$T/p1" | grep -v '^./empty'; md5sum alembic.ini)" "$before"
truth "--package writes empty files" test -f empty/__init__.py -a ! -s empty/__init__.py \
  -a -f empty/versions/__init__.py -a ! -s empty/versions/__init__.py

# ---------------------------------------------------------------- sql and postgresql, -c, ALEMBIC_CONFIG
mkdir "$T/p2" "$T/p2/conf"
cd "$T/p2"
check "init -t sql with -c elsewhere" 0 "Creating directory $T/p2/db/sql ...  done
Creating directory $T/p2/db/sql/versions ...  done
Generating $T/p2/db/sql/README ...  done
Generating $T/p2/conf/alembic.ini ...  done
Generating $T/p2/db/sql/script.sql.tmpl ...  done
Please edit configuration/connection/logging settings in '$T/p2/conf/alembic.ini' before proceeding." -- \
  "$RG" -c conf/alembic.ini init -t sql db/sql
eq "sql: script_location relative to the ini" "$(grep '^script_location' conf/alembic.ini)" \
  "script_location = %(here)s/../db/sql"
eq "sql: README" "$(head -1 db/sql/README)" "Single-database configuration with plain SQL revisions and SQLite."
printf -- '-- revision: bbbb11112222\n-- down_revision: null\n-- message: first\n-- upgrade\nCREATE TABLE t (id INTEGER);\n-- downgrade\nDROP TABLE t;\n' \
  > db/sql/versions/bbbb11112222_first.sql
cd /
check "sql: upgrade" 0 "" -- "$RG" -c "$T/p2/conf/alembic.ini" upgrade head
check "sql: current" 0 "bbbb11112222 (head)" -- "$RG" -c "$T/p2/conf/alembic.ini" current
truth "sql: database next to the ini" test -s "$T/p2/conf/app.db"

cd "$T/p2"
check "init -t postgresql with ALEMBIC_CONFIG" 0 "Creating directory $T/p2/pg ...  done
Creating directory $T/p2/pg/versions ...  done
Generating $T/p2/pg/README ...  done
Generating $T/p2/pg/pg.ini ...  done
Generating $T/p2/pg/script.yaml.tmpl ...  done
Please edit configuration/connection/logging settings in '$T/p2/pg/pg.ini' before proceeding." -- \
  env ALEMBIC_CONFIG=pg/pg.ini "$RG" init -t postgresql pg
eq "postgresql: ini keys" "$(grep -E '^(script_location|sqlalchemy.url) ' pg/pg.ini)" \
  "script_location = %(here)s
sqlalchemy.url = postgresql://"
check "postgresql: heads" 0 "" -- "$RG" -c pg/pg.ini heads
printf 'revision: cccc11112222\ndown_revision: null\nmessage: first\nupgrade: CREATE TABLE t (id INTEGER)\n' \
  > pg/versions/cccc11112222_first.yaml
check "postgresql: upgrade --sql speaks PostgreSQL" 0 "BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> cccc11112222

CREATE TABLE t (id INTEGER);

INSERT INTO alembic_version (version_num) VALUES ('cccc11112222') RETURNING alembic_version.version_num;

COMMIT;" -- "$RG" -c pg/pg.ini upgrade head --sql
if psql -X -q -c 'SELECT 1' >/dev/null 2>&1; then
  # the bare URL takes everything from the PG* environment
  db="rg_init_$$"
  dropdb --if-exists "$db" >/dev/null 2>&1
  createdb "$db"
  check "postgresql: upgrade through the PG* environment" 0 "" -- env PGDATABASE="$db" "$RG" -c pg/pg.ini upgrade head
  check "postgresql: current" 0 "cccc11112222 (head)" -- env PGDATABASE="$db" "$RG" -c pg/pg.ini current
  dropdb --if-exists "$db" >/dev/null 2>&1
elif [ "${RG_REQUIRE_PG:-}" = 1 ]; then
  bad "postgresql: no server reachable through the PG* environment (RG_REQUIRE_PG=1)"
else
  echo "SKIP postgresql: upgrade online (no server reachable through the PG* environment)"
fi

# an absolute directory stays absolute; '%' is written for configparser
check "absolute directory" 0 "" -- quiet "$RG" -c abs.ini init "$T/p2/abs"
eq "absolute script_location" "$(grep '^script_location' abs.ini)" "script_location = $T/p2/abs"
check "percent in the name" 0 "" -- quiet "$RG" -c pct.ini init '50%'
eq "percent escaped" "$(grep '^script_location' pct.ini)" "script_location = %(here)s/50%%"
check "percent project loads" 0 "" -- "$RG" -c pct.ini heads
check "ini inside the new directory" 0 "" -- quiet "$RG" -c inside/alembic.ini init inside
eq "ini inside: script_location" "$(grep '^script_location' inside/alembic.ini)" "script_location = %(here)s"
check "ini inside: loads" 0 "" -- "$RG" -c inside/alembic.ini heads
check "line break in the name" 255 \
  "FAILED: directory 'a\\nb' cannot be written as script_location in an ini file (line break or trailing white space)" -- \
  "$RG" -c nl.ini init $'a\nb'
truth "line break: nothing made" test ! -e $'a\nb' -a ! -e nl.ini

# ---------------------------------------------------------------- a step that fails is undone
mkdir "$T/p3"
cd "$T/p3"
# (a file size limit of 0, as a full disk; stdout and stderr go through one
# pipe, which the limit does not apply to: the detail on stderr comes first,
# stdout is written when revgraph exits)
out=$( (trap '' XFSZ; ulimit -f 0; "$RG" init m) 2>&1 </dev/null)
status=$?
eq "write failure: status" "$status" 255
eq "write failure: output" "$out" "init removed the files and directories it had created
Creating directory $T/p3/m ...  done
Creating directory $T/p3/m/versions ...  done
Generating $T/p3/m/README ...  FAILED
FAILED: cannot write '$T/p3/m/README': File too large"
eq "write failure: nothing left" "$(tree "$T/p3")" ""
touch f
check "mkdir through a file" 255 "Creating directory $T/p3/f/m ...  FAILED
FAILED: cannot create directory '$T/p3/f/m': Not a directory" -- "$RG" init f/m
eq "mkdir failure: nothing left" "$(tree "$T/p3")" "./f"

# ---------------------------------------------------------------- REVGRAPH_TEMPLATES
mkdir -p "$T/tpl/mine" "$T/tpl/broken" "$T/tpl/noini" "$T/tpl/.hidden"
printf 'My template.\r\nmore\n' > "$T/tpl/mine/README"
printf '[alembic]\nscript_location = ${script_location}\nsqlalchemy.url = sqlite://\n' > "$T/tpl/mine/alembic.ini.tmpl"
printf 'template: ${message}\n' > "$T/tpl/mine/script.yaml.tmpl"
chmod 600 "$T/tpl/mine/script.yaml.tmpl"
mkdir "$T/tpl/mine/sub"
printf 'Broken.\n' > "$T/tpl/broken/README"
printf '[alembic]\nscript_location = ${script_location}\nurl = ${url}\n' > "$T/tpl/broken/alembic.ini.tmpl"
printf 'No ini.\n' > "$T/tpl/noini/README"
export REVGRAPH_TEMPLATES=$T/tpl
check "REVGRAPH_TEMPLATES: list" 0 "Available templates:

broken - Broken.
mine - My template.
noini - No ini.

Templates are used via the 'init' command, e.g.:

  revgraph init --template generic ./scripts" -- "$RG" list_templates
check "REVGRAPH_TEMPLATES: init" 0 "Creating directory $T/p3/x ...  done
Creating directory $T/p3/x/versions ...  done
Generating $T/p3/x/README ...  done
Generating $T/p3/alembic.ini ...  done
Generating $T/p3/x/script.yaml.tmpl ...  done
Please edit configuration/connection/logging settings in '$T/p3/alembic.ini' before proceeding." -- \
  "$RG" init -t mine x
eq "other template files copied as they are, with their mode" \
  "$(cat x/script.yaml.tmpl; stat -c %a x/script.yaml.tmpl)" 'template: ${message}
600'
truth "subdirectories of a template are not copied" test ! -e x/sub
check "default template missing" 255 "FAILED: No such template 'generic'" -- "$RG" init y
check "ini template with an unknown variable" 255 \
  "FAILED: $T/tpl/broken/alembic.ini.tmpl:3: unknown variable '\${url}' (an ini template knows \${script_location})" -- \
  "$RG" -c y.ini init -t broken y
check "template without an ini template" 255 \
  "FAILED: template 'noini' has no alembic.ini.tmpl ('$T/tpl/noini/alembic.ini.tmpl' is missing)" -- \
  "$RG" -c y.ini init -t noini y
truth "bad templates: nothing made" test ! -e y -a ! -e y.ini
rm "$T/tpl/noini/README"
check "template without README" 255 "FAILED: cannot open '$T/tpl/noini/README': No such file or directory" -- \
  "$RG" list_templates
check "REVGRAPH_TEMPLATES not a directory" 255 \
  "FAILED: REVGRAPH_TEMPLATES names '$T/nosuch', which is not a directory" -- \
  env REVGRAPH_TEMPLATES="$T/nosuch" "$RG" list_templates
unset REVGRAPH_TEMPLATES

# ---------------------------------------------------------------- installed
BUILD=$(dirname "$RG")
if [ -f "$BUILD/cmake_install.cmake" ] && command -v cmake >/dev/null; then
  cmake --install "$BUILD" --prefix "$T/inst" >/dev/null
  truth "installed: templates installed" test -f "$T/inst/share/revgraph/templates/generic/alembic.ini.tmpl"
  # the installed binary reads the installed copy, not the source tree
  sed -i '1s/.*/Installed generic./' "$T/inst/share/revgraph/templates/generic/README"
  eq "installed: list_templates" "$("$T/inst/bin/revgraph" list_templates | sed -n 3p)" "generic - Installed generic."
  mv "$T/inst" "$T/moved"
  eq "installed and moved: list_templates" "$("$T/moved/bin/revgraph" list_templates | sed -n 3p)" \
    "generic - Installed generic."
  mkdir "$T/p4"
  cd "$T/p4"
  check "installed: init" 0 "" -- quiet "$T/moved/bin/revgraph" init m
  eq "installed: README from the installed template" "$(head -1 m/README)" "Installed generic."
  check "installed: the project loads" 0 "" -- "$T/moved/bin/revgraph" heads
else
  echo "SKIP installed layout (no cmake_install.cmake next to $RG)"
fi

# ---------------------------------------------------------------- edit
mkdir "$T/e"
cd "$T/e"
"$RG" init m >/dev/null
printf 'revision: aaaa11112222\ndown_revision: null\nmessage: first\n' > m/versions/a.yaml
printf 'revision: bbbb11112222\ndown_revision: aaaa11112222\nmessage: left\n' > m/versions/b.yaml
printf 'revision: cccc11112222\ndown_revision: aaaa11112222\nmessage: right\n' > m/versions/c.yaml
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> %s/edited\n' "$T" > "$T/ed.sh"
printf '#!/bin/sh\nexit 3\n' > "$T/fail.sh"
printf '#!/bin/sh\nexit 0\n' > "$T/noexec.sh"
chmod +x "$T/ed.sh" "$T/fail.sh"
V=$T/e/m/versions

check "edit heads" 0 "" -- env EDITOR="$T/ed.sh" "$RG" edit heads
eq "edit heads: each head, in order" "$(cat "$T/edited")" "$V/b.yaml
$V/c.yaml"
rm "$T/edited"
check "edit by prefix, through VISUAL" 0 "" -- env VISUAL="$T/ed.sh" "$RG" edit bbbb
eq "edit by prefix: the file" "$(cat "$T/edited")" "$V/b.yaml"
rm "$T/edited"
check "edit: EDITOR with arguments, found on PATH" 0 "" -- env EDITOR="ed.sh -n" PATH="$T:$PATH" "$RG" edit aaaa
eq "edit: arguments passed" "$(cat "$T/edited")" "-n $V/a.yaml"
rm "$T/edited"
check "edit: failing editor" 255 \
  "FAILED: Error executing editor (Command '['$T/fail.sh', '$V/a.yaml']' returned non-zero exit status 3.)" -- \
  env EDITOR="$T/fail.sh" "$RG" edit aaaa
check "edit: editor that cannot run" 255 \
  "FAILED: Error executing editor ([Errno 13] Permission denied: '$T/noexec.sh')" -- \
  env EDITOR="$T/noexec.sh" "$RG" edit aaaa
check "edit: no editor found" 255 \
  "FAILED: Error executing editor (No suitable editor found. Please set the \"EDITOR\" or \"VISUAL\" environment variables)" -- \
  env PATH="$T/nobin" "$RG" edit aaaa
check "edit: the first failure stops" 255 \
  "FAILED: Error executing editor (Command '['$T/fail.sh', '$V/b.yaml']' returned non-zero exit status 3.)" -- \
  env EDITOR="$T/fail.sh" "$RG" edit heads
check "edit base" 255 "FAILED: No revision files indicated by symbol 'base'" -- env EDITOR="$T/ed.sh" "$RG" edit base
check "edit head with two heads" 255 \
  "FAILED: Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads" -- \
  env EDITOR="$T/ed.sh" "$RG" edit head
check "edit unknown" 255 "FAILED: Can't locate revision identified by 'nosuch'" -- env EDITOR="$T/ed.sh" "$RG" edit nosuch
truth "edit: no editor ran on errors" test ! -e "$T/edited"
check "edit current, no rows" 255 "FAILED: No current revisions" -- env EDITOR="$T/ed.sh" "$RG" edit current
eq "edit current, no rows: logged as Alembic" "$(cat "$T/stderr")" "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.
INFO  [alembic.runtime.migration] Will assume non-transactional DDL.
ERROR [alembic.util.messaging] No current revisions"
truth "edit current created the version table, as Alembic" test -s "$T/e/app.db"
"$RG" stamp bbbb11112222 cccc11112222 2>/dev/null
check "edit current" 0 "" -- env EDITOR="$T/ed.sh" "$RG" edit current
eq "edit current: the rows' files" "$(LC_ALL=C sort "$T/edited")" "$V/b.yaml
$V/c.yaml"
check "edit: needs a revision" 2 "" -- "$RG" edit

finish "test_init: "
