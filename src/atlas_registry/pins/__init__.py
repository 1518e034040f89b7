"""Code pins checked against git: verification, candidate commits, and their records."""
