"""Running the rules on one file: the engine, the rule context and suppressions."""
