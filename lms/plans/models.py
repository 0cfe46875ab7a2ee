"""The plans tables."""

from __future__ import annotations
