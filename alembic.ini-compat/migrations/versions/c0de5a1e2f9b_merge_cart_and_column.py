"""merge cart and column

Revision ID: c0de5a1e2f9b
Revises: 8a41c2e9d0f3, 8a4f07b3c61
Create Date: 2026-11-22 02:39:53.119329

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c0de5a1e2f9b"
down_revision = ["8a41c2e9d0f3", "8a4f07b3c61"]
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
