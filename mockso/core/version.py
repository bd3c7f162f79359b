"""The version of mockso: the one number the package, the CLI and the control API report."""

__version__ = "0.1.0"
