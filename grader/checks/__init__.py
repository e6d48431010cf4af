"""Property-based checks, one module per section. Hidden from the submission's process."""
