"""Tests of content.courses."""
