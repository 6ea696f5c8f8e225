"""Shared foundations: errors, configuration, ids and normalisation."""
