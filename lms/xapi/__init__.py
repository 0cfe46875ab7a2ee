"""xAPI: the embedded Learning Record Store at ``/xapi/`` (docs/xapi-lrs.md)."""
