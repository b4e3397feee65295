"""Models of norse."""
