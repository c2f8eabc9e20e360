"""Synthetic Shanghai demo data: deterministic generators and a loader that goes through the
slices' own services (``healthnet demo``). No generated person exists."""
