"""Content server tests."""
