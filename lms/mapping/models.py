"""The mapping tables."""

from __future__ import annotations
