"""Imports every model module, so ``Base.metadata`` is complete (Alembic, tests)."""

from content.certificates import models as certificate_models
from content.courses import models as course_models
from content.progress import models as progress_models
from content.quizzes import models as quiz_models
from content.webinars import models as webinar_models
from lms.assignments import models as assignment_models
from lms.auth import models as auth_models
from lms.competences import models as competence_models
from lms.mapping import models as mapping_models
from lms.orgs import models as orgs_models
from lms.outbox import models as outbox_models
from lms.plans import models as plan_models
from lms.plans import municipal as municipal_plan_models
from lms.reporting import models as reporting_models
from lms.swot import models as swot_models
from lms.xapi import models as xapi_models
from lti import models as lti_models

__all__ = [
    "assignment_models",
    "auth_models",
    "certificate_models",
    "competence_models",
    "course_models",
    "lti_models",
    "mapping_models",
    "municipal_plan_models",
    "orgs_models",
    "outbox_models",
    "plan_models",
    "progress_models",
    "quiz_models",
    "reporting_models",
    "swot_models",
    "webinar_models",
    "xapi_models",
]
