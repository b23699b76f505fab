"""merge two

Revision ID: 27c6a30d7c24
Revises: ae1027a6acf, 16bfc1cfa9cc
Create Date: 2026-11-22 02:21:43.908247

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '27c6a30d7c24'
down_revision = ('ae1027a6acf', '16bfc1cfa9cc')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
