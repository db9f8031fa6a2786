"""What torch.jit.script compiles: sources, indexes, emission and reachability."""
