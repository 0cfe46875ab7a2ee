"""Imports every model module, so ``Base.metadata`` is complete (Alembic, tests)."""

from lms.auth import models as auth_models
from lms.orgs import models as orgs_models
from lms.outbox import models as outbox_models
from lms.xapi import models as xapi_models

__all__ = ["auth_models", "orgs_models", "outbox_models", "xapi_models"]
