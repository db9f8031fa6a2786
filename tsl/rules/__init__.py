"""The rules: base, catalog, and one file per rule (tslNNN_name.py)."""
