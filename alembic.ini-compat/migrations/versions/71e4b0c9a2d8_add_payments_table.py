"""add payments table

Revision ID: 71e4b0c9a2d8
Revises: 5b7e2d9a4c10
Create Date: 2026-11-22 02:39:58.189700

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '71e4b0c9a2d8'
down_revision = '5b7e2d9a4c10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
