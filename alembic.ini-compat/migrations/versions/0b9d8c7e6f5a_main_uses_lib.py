"""main uses lib

Revision ID: 0b9d8c7e6f5a
Revises: a7c3e9f1b054
Create Date: 2026-11-22 02:40:06.680845

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b9d8c7e6f5a'
down_revision = 'a7c3e9f1b054'
branch_labels = None
depends_on = [
    'f1b2c3d4e5a6',  # lib@head
    'networking',
]


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
