"""The serialtrace shared library: each cross-cutting mechanism once, for every service."""
