"""Tests of content.quizzes."""
