"""The plans tests borrow the track factories."""

from tests.content.conftest import create_course, enrol, request_context  # noqa: F401
from tests.lms.assignments.conftest import create_track  # noqa: F401
