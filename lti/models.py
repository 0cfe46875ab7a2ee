"""The lti tables."""

from __future__ import annotations
