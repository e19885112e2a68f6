"""The zscript version (a leaf module every layer may import)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
