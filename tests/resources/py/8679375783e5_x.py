"""x

Revision ID: 8679375783e5
Revises: 
Create Date: 2026-11-22 02:18:23.804676

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8679375783e5'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
