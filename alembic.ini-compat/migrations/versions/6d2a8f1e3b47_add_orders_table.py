"""add orders table

Revision ID: 6d2a8f1e3b47
Revises: 5b7e2d9a4c10
Create Date: 2026-11-22 02:39:55.703899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2a8f1e3b47'
down_revision = '5b7e2d9a4c10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
