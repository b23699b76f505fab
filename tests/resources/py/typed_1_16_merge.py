"""merge account and billing

Revision ID: 3b5e1a2c9d10
Revises: 1975ea83b712, 27c6a30d7c24
Create Date: 2026-11-22 09:12:00.000001+00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "3b5e1a2c9d10"
down_revision: Union[str, Sequence[str], None] = ("1975ea83b712", "27c6a30d7c24")
branch_labels: Union[str, Sequence[str], None] = ("billing",)
depends_on: Union[str, Sequence[str], None] = ["8679375783e5", "lib"]


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
