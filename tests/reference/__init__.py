"""The slow twins of production facts, kept only for the tests that check equality."""
