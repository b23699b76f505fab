"""add account table

Revision ID: 1975ea83b712
Revises: ae1027a6acf
Create Date: 2026-11-22 01:34:24.949822

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1975ea83b712'
down_revision: Union[str, None] = 'ae1027a6acf'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
