"""Output formats. Each renders a Result to a string."""
