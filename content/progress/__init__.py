"""Enrolments, progress through items, reflections and completion: the learner's path."""
