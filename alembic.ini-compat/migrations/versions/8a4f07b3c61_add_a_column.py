"""add a column

Revision ID: 8a4f07b3c61
Revises: 3f1d9c0a2b7e
Create Date: 2026-11-22 02:39:51.831730

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a4f07b3c61'
down_revision = '3f1d9c0a2b7e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
