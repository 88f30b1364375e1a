"""Kizuna: software for the coordination mechanisms of the Japan-US alliance."""

__version__ = "0.1.0"
