"""Courses, their modules and items, translations, and published versions."""
