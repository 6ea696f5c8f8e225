"""network: graph-level measures over every pair of people (communities, bridges, reach, newcomers)."""

from closeknit.network.graph import network_summary, pair_graph

__all__ = ["pair_graph", "network_summary"]
