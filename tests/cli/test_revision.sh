#!/usr/bin/env bash
# revision and merge from the command line: every rule and message of
# Alembic's (asserted exactly), revgraph's own refusals (each leaving the
# versions directory as it was), the file names of file_template and
# truncate_slug_length, the create date with and without a timezone, version
# paths, the native YAML and SQL formats and Alembic's .py, and the whole
# team workflow: init -> revision -> two branches -> merge heads -> upgrade.
# Usage: test_revision.sh REVGRAPH REPO_ROOT
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

unset ALEMBIC_CONFIG REVGRAPH_TEMPLATES EDITOR VISUAL
export REVGRAPH_NO_CACHE=1 TZ=UTC
# 2026-11-22 01:38:42 UTC
export SOURCE_DATE_EPOCH=1795311522

# ---------------------------------------------------------------- a new native project
mkdir "$T/n"
cd "$T/n"
silent "$RG" init migrations
V=$T/n/migrations/versions
out=$(env -u SOURCE_DATE_EPOCH "$RG" revision -m "create account table" 2>&1)
truth "revision: a random 12-hex id" \
  grep -Eq "^Generating $V/[0-9a-f]{12}_create_account_table\.yaml \.\.\.  done$" <<<"$out"
first=$(ls "$V" | cut -c1-12)
truth "the create date is now" grep -q "^create_date: $(date -u +%Y-%m-%d) " "$V"/*.yaml
check "upgrade head with no edits" 0 "" -- "$RG" upgrade head
check "current" 0 "$first (head)" -- "$RG" current
check "revision --rev-id" 0 "Generating $V/b2_add_cart.yaml ...  done" -- "$RG" revision -m "add cart" --rev-id b2
eq "the YAML file, exactly" "$(cat "$V/b2_add_cart.yaml")" "revision: 'b2'
down_revision: '$first'
branch_labels: []
depends_on: []
message: 'add cart'
create_date: 2026-11-22 01:38:42

# SQL, statements separated by ';', or a list of operations
# (- sql: ...); see docs/revision-files.md.  Empty: nothing runs.
upgrade: []

downgrade: []"
check "history reads it back" 0 "$first -> b2 (head), add cart
<base> -> $first, create account table" -- "$RG" history

# ---------------------------------------------------------------- ids and heads
n_files() { ls "$V" | wc -l; }
before=$(n_files)
check "illegal characters in --rev-id" 255 \
  "FAILED: Character(s) '+, -' not allowed in revision identifier 'a+b-c'" -- "$RG" revision -m x --rev-id a+b-c
check "'@' in --rev-id" 255 "FAILED: Character(s) '@' not allowed in revision identifier 'a@b'" -- \
  "$RG" revision -m x --rev-id a@b
check "an existing --rev-id is refused" 255 \
  "FAILED: Revision b2 is already present ($V/b2_add_cart.yaml); choose another --rev-id" -- \
  "$RG" revision -m x --rev-id b2
check "--head unknown" 255 "FAILED: Can't locate revision identified by 'nosuch'" -- \
  "$RG" revision -m x --head nosuch
check "--head not a head" 255 \
  "FAILED: Revision $first is not a head revision; please specify --splice to create a new branch from this revision" -- \
  "$RG" revision -m x --head "$first" --rev-id c3
eq "refusals wrote nothing" "$(n_files)" "$before"
check "--splice" 0 "Generating $V/c3_spliced.yaml ...  done" -- \
  "$RG" revision -m spliced --head "$first" --splice --rev-id c3
check "two heads" 0 "b2 (head)
c3 (head)" -- "$RG" heads
check "--depends-on with two heads" 255 \
  "FAILED: Multiple head revisions are present for given argument 'heads'; please specify a specific target revision, '<branchname>@heads' to narrow to a specific head, or 'heads' for all heads" -- \
  "$RG" revision -m x --head b2 --depends-on heads --rev-id d4
check "revision with two heads" 255 \
  "FAILED: Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge." -- \
  "$RG" revision -m x
check "--head heads makes a merge" 0 "Generating $V/d4_on_both.yaml ...  done" -- \
  "$RG" revision -m "on both" --head heads --rev-id d4
eq "--head heads: both parents" "$(grep '^down_revision' "$V/d4_on_both.yaml")" "down_revision: ['b2', 'c3']"
check "--head base: a new root" 0 "Generating $V/e5_other_root.yaml ...  done" -- \
  "$RG" revision -m "other root" --head base --rev-id e5 --branch-label other
eq "--head base: down_revision null" "$(grep -E '^(down_revision|branch_labels)' "$V/e5_other_root.yaml")" \
  "down_revision: null
branch_labels: ['other']"
check "label@head" 0 "Generating $V/f6_on_other.yaml ...  done" -- \
  "$RG" revision -m "on other" --head other@head --rev-id f6
check "an existing --branch-label is refused" 255 \
  "FAILED: Branch name 'other' in revision g7 already used by revision e5" -- \
  "$RG" revision -m x --head d4 --branch-label other --rev-id g7
check "a --branch-label that is an id" 255 \
  "FAILED: Branch name 'b2' in revision g7 already used by revision b2" -- \
  "$RG" revision -m x --head d4 --branch-label b2 --rev-id g7

# ---------------------------------------------------------------- depends_on
check "--depends-on, repeated" 0 "Generating $V/g7_deps.yaml ...  done" -- \
  "$RG" revision -m deps --head d4 --rev-id g7 --depends-on other --depends-on "${first:0:6}" \
  --depends-on=e5
eq "a label kept, a prefix made a full id" "$(grep '^depends_on' "$V/g7_deps.yaml")" \
  "depends_on: ['other', '$first', 'e5']"
check "--depends-on unknown" 255 "FAILED: Can't locate revision identified by 'nope'" -- \
  "$RG" revision -m x --head g7 --depends-on nope --rev-id h8
check "--depends-on base" 255 "FAILED: --depends-on 'base' does not name a revision" -- \
  "$RG" revision -m x --head g7 --depends-on base --rev-id h8

# ---------------------------------------------------------------- merge
check "merge: duplicate heads" 255 "FAILED: Duplicate head revisions specified" -- "$RG" merge g7 g7
check "merge: not a head" 255 \
  "FAILED: Revision b2 is not a head revision; please specify --splice to create a new branch from this revision" -- \
  "$RG" merge b2 g7
check "merge heads" 0 "Generating $V/m1_join.yaml ...  done" -- "$RG" merge heads -m join --rev-id m1
eq "merge heads: the heads in load order" "$(grep '^down_revision' "$V/m1_join.yaml")" \
  "down_revision: ['f6', 'g7']"
check "merge heads: one head left (the label propagated, as in Alembic)" 0 "m1 (other) (head)" -- "$RG" heads
check "merge of one revision: an ordinary child" 0 "Generating $V/n2_.yaml ...  done" -- "$RG" merge m1 --rev-id n2
eq "merge with no -m: empty message" "$(grep -E '^(down_revision|message)' "$V/n2_.yaml")" "down_revision: 'm1'
message: 'empty message'"
check "upgrade head through the merges" 0 "" -- "$RG" upgrade head
check "current after the merges" 0 "n2 (head)" -- "$RG" current

# two teammates merged the same fork: a third merge is refused
cp -r "$T/n" "$T/dup"
cd "$T/dup"
D=$T/dup/migrations/versions
silent "$RG" revision -m left --rev-id l1
silent "$RG" revision -m right --head n2 --splice --rev-id r1
silent "$RG" merge heads -m "merge by ann" --rev-id ma
sed -e 's/ma/mb/; s/merge by ann/merge by bob/' "$D/ma_merge_by_ann.yaml" >"$D/mb_merge_by_bob.yaml"
check "two merges of the same fork: two heads" 0 "ma (other) (head)
mb (other) (head)" -- "$RG" heads
before=$(ls "$D" | wc -l)
check "merge heads refuses a second merge of a merged fork" 255 \
  "FAILED: Revision ma merges l1, r1, which revision mb already merges; remove one of the two ($D/ma_merge_by_ann.yaml or $D/mb_merge_by_bob.yaml) instead of merging them" -- \
  "$RG" merge heads -m again
eq "nothing written" "$(ls "$D" | wc -l)" "$before"
check "merging them by name is still possible" 0 "Generating $D/mc_.yaml ...  done" -- "$RG" merge ma mb --rev-id mc
cd "$T/n"

# ---------------------------------------------------------------- options
check "-m '-- text' is a value, as in argparse" 0 "Generating $V/o1_text.yaml ...  done" -- \
  "$RG" revision -m "-- text" --rev-id o1
eq "-m '-- text': the message" "$(grep '^message' "$V/o1_text.yaml")" "message: '-- text'"
check "-m -x is not" 2 "" -- "$RG" revision -m -x --rev-id o2
check "--message=" 0 "Generating $V/o2_it_s.yaml ...  done" -- "$RG" revision "--message=it's" --rev-id o2
eq "a quote in the message" "$(grep '^message' "$V/o2_it_s.yaml")" "message: 'it''s'"
check "a line break in the message" 0 "Generating $V/o3_two_lines.yaml ...  done" -- \
  "$RG" revision -m "two
lines" --rev-id o3
eq "a line break: a double-quoted YAML string" "$(grep '^message' "$V/o3_two_lines.yaml")" \
  'message: "two\nlines"'
check "history shows it" 0 "o2 -> o3 (other) (head), two
lines" -- "$RG" history -r o3:o3
check "--autogenerate" 255 \
  "FAILED: revgraph cannot --autogenerate: it does not import your models; write the upgrade and downgrade by hand" -- \
  "$RG" revision --autogenerate -m x
check "--autogenerate --sql" 255 "FAILED: Using --sql with --autogenerate does not make any sense" -- \
  "$RG" revision --autogenerate --sql -m x
check "--sql" 255 \
  "FAILED: Using --sql with the revision command when revision_environment is not configured does not make any sense" -- \
  "$RG" revision --sql -m x
check "SOURCE_DATE_EPOCH must be a number" 255 "FAILED: SOURCE_DATE_EPOCH 'soon' is not a number of seconds" -- \
  env SOURCE_DATE_EPOCH=soon "$RG" revision -m x
check "merge needs revisions" 2 "" -- "$RG" merge -m x
check "merge takes no --head" 2 "" -- "$RG" merge heads --head x

# ---------------------------------------------------------------- file names
ini() { # key value: set (or replace) a key of [alembic]
  sed -i "/^# *$1 *=/d; /^$1 *=/d" alembic.ini
  sed -i "s|^\[alembic\]$|[alembic]\n$1 = $2|" alembic.ini
}
mkdir "$T/f"
cd "$T/f"
silent "$RG" init m
F=$T/f/m/versions
ini file_template '%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d-%%(epoch)s-%%(rev)s_%%(slug)s'
check "file_template: every token" 0 "Generating $F/2026_11_22_013842-1795311522-bbb111_tmpl_test.yaml ...  done" -- \
  "$RG" revision -m "tmpl test" --rev-id bbb111
ini file_template '%%(rev)s-%%(slug).5s-%%(day)3d-%%(month)-3d+%%(minute)x'
check "file_template: width, precision, flags, hex" 0 "Generating $F/c1-hello- 22-11 +26.yaml ...  done" -- \
  "$RG" revision -m "hello world" --rev-id c1
ini file_template '%%(rev)s_%%(nosuch)s'
check "file_template: an unknown token" 255 \
  "FAILED: file_template '%(rev)s_%(nosuch)s': unknown token 'nosuch' (known: rev, slug, epoch, year, month, day, hour, minute, second)" -- \
  "$RG" revision -m x --rev-id c2
ini file_template '%%(slug)d'
check "file_template: a number format for text" 255 \
  "FAILED: file_template '%(slug)d': %d format needs a number, but 'slug' is text" -- \
  "$RG" revision -m x --rev-id c2
ini file_template '%%(slug)s'
silent "$RG" revision -m same --rev-id c2
check "a file name made twice is refused" 255 \
  "FAILED: File $F/same.yaml already exists; file_template '%(slug)s' makes the same name twice" -- \
  "$RG" revision -m same --rev-id c3
ini file_template '%%(rev)s_%%(slug)s'
check "slug: Alembic's, truncated at 40" 0 \
  "Generating $F/d1_hello_world_this_is_a_very_long_message_.yaml ...  done" -- \
  "$RG" revision -m "Hello, World!  this is -- a very long message that goes beyond forty characters for sure" --rev-id d1
check "slug: Unicode word characters, lower-cased" 0 "Generating $F/d2_ünïcödé_façade_naïve.yaml ...  done" -- \
  "$RG" revision -m "Ünïcödé façade naïve" --rev-id d2
ini truncate_slug_length 10
check "truncate_slug_length without '_'" 0 "Generating $F/d3_abcdefghij_.yaml ...  done" -- \
  "$RG" revision -m "abcdefghijklmnopq" --rev-id d3
check "truncate_slug_length counts code points" 0 "Generating $F/d4_ünïcödé_.yaml ...  done" -- \
  "$RG" revision -m "Ünïcödé façade naïve" --rev-id d4
ini truncate_slug_length 0
check "truncate_slug_length 0 means 40" 0 \
  "Generating $F/d5_hello_world_this_is_a_very_long_message_.yaml ...  done" -- \
  "$RG" revision -m "Hello, World!  this is -- a very long message that goes beyond forty characters for sure" --rev-id d5

ini output_encoding latin-1
check "output_encoding other than utf-8" 255 \
  "FAILED: output_encoding 'latin-1' is not supported: revgraph writes revision files in utf-8" -- \
  "$RG" revision -m x --rev-id e1
ini output_encoding UTF-8
check "output_encoding UTF-8" 0 "Generating $F/e1_x.yaml ...  done" -- "$RG" revision -m x --rev-id e1

# ---------------------------------------------------------------- timezone
ini timezone Europe/Paris
check "timezone: a tz name" 0 "Generating $F/t1_paris.yaml ...  done" -- "$RG" revision -m paris --rev-id t1
eq "timezone: an aware create date" "$(grep '^create_date' "$F/t1_paris.yaml")" \
  "create_date: 2026-11-22 02:38:42+01:00"
ini timezone asia/tokyo
check "timezone: tried upper case too, then unknown" 255 "FAILED: Can't locate timezone: asia/tokyo" -- \
  "$RG" revision -m tokyo --rev-id t2
ini timezone utc
check "timezone: utc upper-cased" 0 "Generating $F/t2_utc.yaml ...  done" -- "$RG" revision -m utc --rev-id t2
eq "timezone UTC: +00:00" "$(grep '^create_date' "$F/t2_utc.yaml")" "create_date: 2026-11-22 01:38:42+00:00"
ini timezone America/St_Johns
ini file_template '%%(hour).2d%%(minute).2d-%%(rev)s'
check "timezone: the date tokens follow it" 0 "Generating $F/2208-t3.yaml ...  done" -- \
  "$RG" revision -m stj --rev-id t3
eq "timezone: a half-hour offset" "$(grep '^create_date' "$F/2208-t3.yaml")" "create_date: 2026-11-21 22:08:42-03:30"
ini timezone Nowhere/Nope
check "timezone: unknown" 255 "FAILED: Can't locate timezone: Nowhere/Nope" -- "$RG" revision -m x --rev-id t4
ini timezone ''
check "timezone empty: dateutil's local zone" 0 "Generating $F/0708-t5.yaml ...  done" -- \
  env TZ=Asia/Kolkata "$RG" revision -m kolkata --rev-id t5
eq "timezone empty: aware, with the local offset" "$(grep '^create_date' "$F/0708-t5.yaml")" \
  "create_date: 2026-11-22 07:08:42+05:30"
sed -i '/^timezone =/d' alembic.ini
check "no timezone: naive local time (TZ)" 0 "Generating $F/0708-t4.yaml ...  done" -- \
  env TZ=Asia/Kolkata "$RG" revision -m kolkata --rev-id t4
eq "naive local time" "$(grep '^create_date' "$F/0708-t4.yaml")" "create_date: 2026-11-22 07:08:42"

# ---------------------------------------------------------------- version paths
mkdir "$T/v"
cd "$T/v"
silent "$RG" init s
ini version_locations '%(here)s/s/versions:%(here)s/lib'
check "several locations, a new root: --version-path needed" 255 \
  "FAILED: Multiple version locations present, please specify --version-path" -- "$RG" revision -m x
check "--version-path not a location" 255 "FAILED: Path $T is not represented in current version locations" -- \
  "$RG" revision -m x --version-path "$T"
truth "lib not created by the refusals" test ! -e "$T/v/lib"
check "a missing location is created" 0 "Creating directory $T/v/lib ...  done
Generating $T/v/lib/l1_lib_root.yaml ...  done" -- "$RG" revision -m "lib root" --version-path lib --rev-id l1
check "the head's directory by default" 0 "Generating $T/v/lib/l2_lib_next.yaml ...  done" -- \
  "$RG" revision -m "lib next" --rev-id l2
check "a relative --version-path" 0 "Generating $T/v/s/versions/s1_main.yaml ...  done" -- \
  "$RG" revision -m main --head base --version-path ./s/../s/versions --rev-id s1
check "heads across locations: load order, location by location" 0 "s1 (head)
l2 (head)" -- "$RG" heads
check "merge across locations: the first head's directory" 0 "Generating $T/v/s/versions/m1_.yaml ...  done" -- \
  "$RG" merge heads --rev-id m1
check "upgrade across locations" 0 "" -- "$RG" upgrade heads
ini recursive_version_locations true
mkdir lib/sub
mv lib/l1_lib_root.yaml lib/l2_lib_next.yaml lib/sub/
check "recursive locations: next to the head, in its subdirectory" 0 "Generating $T/v/lib/sub/l3_lib_third.yaml ...  done" -- \
  "$RG" revision -m "lib third" --head l2 --splice --rev-id l3
check "recursive locations: --version-path must still name a location" 255 \
  "FAILED: Path lib/sub is not represented in current version locations" -- \
  "$RG" revision -m x --head l3 --version-path lib/sub --rev-id l4

# ---------------------------------------------------------------- versions-example
cp -r "$ROOT/versions-example" "$T/ex"
cd "$T/ex"
rm -f example.db
check "versions-example: revision on a labelled branch" 0 \
  "Generating $T/ex/versions/a1_add_ip_index.yaml ...  done" -- \
  "$RG" revision -m "add ip index" --head networking@head --rev-id a1
check "versions-example: merge heads (real heads only)" 0 "Generating $T/ex/versions/b1_.yaml ...  done" -- \
  "$RG" merge heads --rev-id b1
eq "versions-example: the merge's parents" "$(grep '^down_revision' versions/b1_.yaml)" \
  "down_revision: ['0b0000000020', 'a1']"
check "versions-example: upgrade heads" 0 "" -- "$RG" upgrade heads

# ---------------------------------------------------------------- templates
mkdir "$T/q"
cd "$T/q"
silent "$RG" init -t sql db
Q=$T/q/db/versions
check "sql project: a .sql file" 0 "Generating $Q/a1_create_t.sql ...  done" -- "$RG" revision -m "create t" --rev-id a1
eq "the SQL file" "$(cat "$Q/a1_create_t.sql" 2>/dev/null)" "-- revision: 'a1'
-- down_revision: null
-- branch_labels: []
-- depends_on: []
-- message: 'create t'
-- create_date: 2026-11-22 01:38:42

-- upgrade

-- downgrade"
echo "CREATE TABLE t (id INTEGER PRIMARY KEY);" >>"$Q/a1_create_t.sql"
check "sql: revision on it" 0 "Generating $Q/b1_more.sql ...  done" -- "$RG" revision -m more --rev-id b1
check "sql: upgrade head" 0 "" -- "$RG" upgrade head
check "sql: current" 0 "b1 (head)" -- "$RG" current

rm db/script.sql.tmpl
check "no template" 255 \
  "FAILED: no revision template in $T/q/db: it needs script.py.mako (Alembic), script.yaml.tmpl or script.sql.tmpl (revgraph)" -- \
  "$RG" revision -m x --rev-id c1
printf 'revision: ${revision}\nwho: ${author}\n' >db/script.yaml.tmpl
check "a template with an unknown variable" 255 \
  "FAILED: $T/q/db/script.yaml.tmpl:2: unknown variable '\${author}' (a revision template knows \${revision}, \${down_revision}, \${branch_labels}, \${depends_on}, \${message}, \${create_date})" -- \
  "$RG" revision -m x --rev-id c1
printf 'revision: ${revision}\nmessage: ${message\n' >db/script.yaml.tmpl
check "a template with an unclosed \${" 255 "FAILED: $T/q/db/script.yaml.tmpl:2: '\${' without a closing '}'" -- \
  "$RG" revision -m x --rev-id c1
printf 'revision: ${revision}\ndown_revision: ${down_revision}\nmessage: ${message}\nnote: $$5 and $${x}\n' \
  >db/script.yaml.tmpl
check "a template without branch_labels, no label asked" 0 "Generating $Q/c1_x.yaml ...  done" -- \
  "$RG" revision -m x --rev-id c1
eq "\$\${ is a literal \${" "$(tail -1 "$Q/c1_x.yaml")" 'note: $$5 and ${x}'
check "a template without branch_labels: Alembic's message" 255 "Generating $Q/c2_y.yaml ...  done
FAILED: Version c2 specified branch_labels lbl, however the migration file $Q/c2_y.yaml does not have them; have you upgraded your script.py.mako to include the 'branch_labels' section?" -- \
  "$RG" revision -m y --rev-id c2 --branch-label lbl
printf 'revision: ${revision}\ndown_revision: [${down_revision}\n' >db/script.yaml.tmpl
check "a template that renders broken YAML" 255 "Generating $Q/c3_z.yaml ...  done
FAILED: $Q/c3_z.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2)" -- \
  "$RG" revision -m z --rev-id c3

# ---------------------------------------------------------------- an Alembic project
mkdir -p "$T/a/migrations/versions"
cd "$T/a"
cp "$ROOT/alembic.ini-compat/migrations/script.py.mako" "$ROOT/alembic.ini-compat/migrations/env.py" migrations/
printf '[alembic]\nscript_location = %%(here)s/migrations\nsqlalchemy.url = sqlite:///%%(here)s/app.db\n' >alembic.ini
A=$T/a/migrations/versions
check "alembic: revision" 0 "Generating $A/1975ea83b712_create_account_table.py ...  done" -- \
  "$RG" revision -m "create account table" --rev-id 1975ea83b712
eq "alembic: the .py file, as Alembic 1.8.1 writes it" "$(cat "$A/1975ea83b712_create_account_table.py")" '"""create account table

Revision ID: 1975ea83b712
Revises: 
Create Date: 2026-11-22 01:38:42

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '"'"'1975ea83b712'"'"'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass'
check "alembic: upgrade head with no edits" 0 "" -- "$RG" upgrade head
check "alembic: Ann's revision" 0 "Generating $A/ae1027a6acf0_add_email.py ...  done" -- \
  "$RG" revision -m "add email" --rev-id ae1027a6acf0
check "alembic: Bob's revision" 0 "Generating $A/27c6a30d7c24_add_orders.py ...  done" -- \
  "$RG" revision -m "add orders" --rev-id 27c6a30d7c24 --head 1975ea83b712 --splice
check "alembic: two heads" 0 "27c6a30d7c24 (head)
ae1027a6acf0 (head)" -- "$RG" heads
check "alembic: merge heads" 0 "Generating $A/53fffde5ad5_merge_orders_and_email.py ...  done" -- \
  "$RG" merge heads -m "merge orders and email" --rev-id 53fffde5ad5
eq "alembic: the merge's header" "$(grep -E '^(Revises|down_revision|branch_labels|depends_on)' "$A/53fffde5ad5_merge_orders_and_email.py")" \
  "Revises: 27c6a30d7c24, ae1027a6acf0
down_revision = ('27c6a30d7c24', 'ae1027a6acf0')
branch_labels = None
depends_on = None"
check "alembic: upgrade head through the merge" 0 "" -- "$RG" upgrade head
check "alembic: current" 0 "53fffde5ad5 (head) (mergepoint)" -- "$RG" current
check "alembic: label and two dependencies" 0 "Generating $A/b10000000001_lib.py ...  done" -- \
  "$RG" revision -m lib --rev-id b10000000001 --branch-label lib --depends-on 27c6 --depends-on ae1027a6acf0
eq "alembic: a tuple of labels, a list of dependencies" "$(grep -E '^(branch_labels|depends_on)' "$A/b10000000001_lib.py")" \
  "branch_labels = ('lib',)
depends_on = ['27c6a30d7c24', 'ae1027a6acf0']"
check "alembic: one dependency is a string" 0 "Generating $A/c20000000002_on_lib.py ...  done" -- \
  "$RG" revision -m "on lib" --rev-id c20000000002 --depends-on lib
eq "alembic: a label kept" "$(grep '^depends_on' "$A/c20000000002_on_lib.py")" "depends_on = 'lib'"
grep -v branch_labels migrations/script.py.mako >"$T/nolabels.mako"
cp "$T/nolabels.mako" migrations/script.py.mako
check "alembic: a script.py.mako without branch_labels" 255 "Generating $A/d30000000003_x.py ...  done
FAILED: Version d30000000003 specified branch_labels x, however the migration file $A/d30000000003_x.py does not have them; have you upgraded your script.py.mako to include the 'branch_labels' section?" -- \
  "$RG" revision -m x --rev-id d30000000003 --branch-label x
printf '"""${message}"""\n<%%inherit file="base.mako"/>\n' >migrations/script.py.mako
before=$(ls "$A" | wc -l)
check "alembic: a template outside the Mako subset" 255 \
  "FAILED: $T/a/migrations/script.py.mako:2: Mako tags like '<%inherit' are not supported" -- \
  "$RG" revision -m y --rev-id e40000000004 --head d30000000003
eq "alembic: nothing written" "$(ls "$A" | wc -l)" "$before"

finish "test_revision: "
