"""add ip number table

Revision ID: d4a81f6c2e90
Revises: b2c94e7a1d36
Create Date: 2026-11-22 02:40:01.793605

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4a81f6c2e90'
down_revision = ('b2c94e7a1d36',)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
