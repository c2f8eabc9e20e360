"""HealthNet — city health information network."""

__version__ = "0.1.0"
