"""The assignments tables."""

from __future__ import annotations
