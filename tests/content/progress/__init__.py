"""Tests of content.progress."""
