# Shared test fixtures for every package (service tests, library tests).
pytest_plugins = ["serialtrace.common.testing"]
