"""dep by label

Revision ID: a7c3e9f1b054
Revises: 9e3c7b1a5f02
Create Date: 2026-11-22 02:40:04.187026

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b054'
down_revision = '9e3c7b1a5f02'
branch_labels = None
depends_on = 'networking'


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
