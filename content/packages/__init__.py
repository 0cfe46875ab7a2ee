"""Course packages: export a course as a zip, import one back."""
