"""The whole schema: importing this module registers every table on ``Base.metadata``."""

from __future__ import annotations

from betal.adapters.db import (
    orm,
    orm_banking,
    orm_execution,
    orm_ledger,
    orm_payables,
    orm_push,
    orm_receivables,
    orm_reminders,
    orm_webhooks,
)
from betal.adapters.db.orm import Base

metadata = Base.metadata
MODULES = (
    orm,
    orm_receivables,
    orm_reminders,
    orm_push,
    orm_webhooks,
    orm_ledger,
    orm_banking,
    orm_payables,
    orm_execution,
)
