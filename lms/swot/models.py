"""The swot tables."""

from __future__ import annotations
