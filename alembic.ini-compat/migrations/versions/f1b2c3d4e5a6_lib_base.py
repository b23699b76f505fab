"""lib base

Revision ID: f1b2c3d4e5a6
Revises: 
Create Date: 2026-11-22 02:40:05.454483

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1b2c3d4e5a6'
down_revision = None
branch_labels = ('lib',)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
