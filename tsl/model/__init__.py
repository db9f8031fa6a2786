"""What the compiler sees: the index, the program's reachability, types, flow and emission."""
