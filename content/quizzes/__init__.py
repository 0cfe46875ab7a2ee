"""Quiz questions, choices, attempts and scoring."""
