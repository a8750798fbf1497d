"""Kiosco: a digital edition server for news publishers."""

__version__ = "0.1.0"
