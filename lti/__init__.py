"""Librarena as an LTI tool: LTI 1.3 Advantage and LTI 1.1 launches, platform registrations."""
