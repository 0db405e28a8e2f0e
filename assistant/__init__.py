"""Maatwerkassistent: retrieval and grounded answers for maatwerk in the Dutch social domain."""

__version__ = "0.1.0"
