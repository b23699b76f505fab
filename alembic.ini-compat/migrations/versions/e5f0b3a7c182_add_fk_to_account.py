"""add fk to account

Revision ID: e5f0b3a7c182
Revises: d4a81f6c2e90
Create Date: 2026-11-22 02:40:02.994384

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f0b3a7c182'
down_revision = 'd4a81f6c2e90'
branch_labels = None
depends_on = '5b7e2d9a4c10'


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
