"""SWOT workshops: boards of strengths, weaknesses, opportunities and threats."""
