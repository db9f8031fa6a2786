"""The front end: source files, the CPython index, blanking and tree helpers."""
