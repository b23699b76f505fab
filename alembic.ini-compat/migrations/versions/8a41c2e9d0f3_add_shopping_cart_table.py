"""add shopping cart table

Revision ID: 8a41c2e9d0f3
Revises: 3f1d9c0a2b7e
Create Date: 2026-11-22 02:39:50.675714

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a41c2e9d0f3'
down_revision = '3f1d9c0a2b7e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
