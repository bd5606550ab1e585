from alembic import context

from serialtrace.common.db import run_alembic_env
from serialtrace.epcis.store import Base

run_alembic_env(context, Base.metadata)
