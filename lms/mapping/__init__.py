"""Competence mapping rounds: self-assessments, manager ratings, gap analysis."""
