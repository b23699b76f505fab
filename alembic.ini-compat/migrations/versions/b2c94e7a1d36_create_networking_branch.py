"""create networking branch

Revision ID: b2c94e7a1d36
Revises: 
Create Date: 2026-11-22 02:40:00.516621

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b2c94e7a1d36"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = ("networking", "net")
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
