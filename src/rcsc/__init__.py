"""RCSC: the software of a multinational Regional Cyber Security Centre."""

__version__ = "0.1.0"
