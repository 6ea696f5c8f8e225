"""CLI commands; each module exposes ``COMMANDS``."""
