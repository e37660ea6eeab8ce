"""Test helpers shared by the project's tests and the conformance suite (needs hypothesis)."""
