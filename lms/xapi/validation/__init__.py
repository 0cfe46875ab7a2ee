"""Strict validation of xAPI statements, one module per statement part.

Every rule is a small function whose comment links the spec section it implements; a broken
rule raises :class:`lms.xapi.errors.Invalid` naming the field (a dotted path), which the LRS
answers with 400.
"""

from lms.xapi.validation.statement import validate_statement

__all__ = ["validate_statement"]
