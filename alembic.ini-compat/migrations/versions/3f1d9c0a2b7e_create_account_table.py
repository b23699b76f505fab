"""create account table

Revision ID: 3f1d9c0a2b7e
Revises: 
Create Date: 2026-11-22 02:39:49.278885

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1d9c0a2b7e'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
