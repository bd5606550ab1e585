"""a party may carry its GLN (the PGLN EPCIS events name it by)"""

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("gln", sa.String(length=13), nullable=True))
        batch.create_unique_constraint(op.f("uq_parties_gln"), ["gln"])


def downgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.drop_constraint(op.f("uq_parties_gln"), type_="unique")
        batch.drop_column("gln")
