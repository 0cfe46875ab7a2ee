"""Competence frameworks: areas, competences, proficiency scales, target levels, tags."""
