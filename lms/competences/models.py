"""The competences tables."""

from __future__ import annotations
