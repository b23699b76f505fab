"""lib base

Revision ID: 7604a9f6a7dd
Revises: 
Create Date: 2026-11-22 02:21:41.515392

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7604a9f6a7dd'
down_revision = None
branch_labels = ('lib',)
depends_on = '8679375783e5'


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
