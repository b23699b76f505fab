"""add email col

Revision ID: 5b7e2d9a4c10
Revises: c0de5a1e2f9b
Create Date: 2026-11-22 02:39:54.461391

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2d9a4c10'
down_revision = 'c0de5a1e2f9b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
