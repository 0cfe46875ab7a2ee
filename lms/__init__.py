"""Librarena: learning management for the staff of Nordic public libraries."""

from lms.app import create_app

__all__ = ["create_app"]
