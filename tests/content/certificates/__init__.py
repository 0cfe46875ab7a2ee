"""Tests of content.certificates."""
