"""merge orders invoices payments

Revision ID: 9e3c7b1a5f02
Revises: 6d2a8f1e3b47, 6d2a8f9c0e15, 71e4b0c9a2d8
Create Date: 2026-11-22 02:39:59.374954

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9e3c7b1a5f02"
down_revision: Union[str, Sequence[str], None] = (
    "6d2a8f1e3b47",  # add orders table
    "6d2a8f9c0e15",  # add invoices table
    "71e4b0c9a2d8",  # add payments table
)
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
