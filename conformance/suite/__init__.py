"""The conformance suite: black-box tests of an OCCI endpoint, run by conformance.plugin."""
