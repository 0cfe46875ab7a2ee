"""Tracks (ordered learning paths) and the assignments managers make of them."""
