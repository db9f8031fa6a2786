"""Bundled examples for `tsl check examples/ --verify` (see the README)."""
