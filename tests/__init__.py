"""The test suite (a package: an installed dependency ships a top-level `tests` of its own)."""
