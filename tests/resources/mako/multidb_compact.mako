<%! import re %>"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
<% db_names = config.get_main_option("databases", "one,two") %>
  % for db_name in re.split(r'\s*,\s*', db_names.strip() if False else db_names):
def upgrade_${db_name}():
    ${context.get("%s_upgrades" % db_name, "pass")}
  % endfor
