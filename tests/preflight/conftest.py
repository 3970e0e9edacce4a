"""Fixtures for the preflight tests."""
