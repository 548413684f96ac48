"""Hypothesis property and fuzz tests."""
