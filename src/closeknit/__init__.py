"""closeknit: how close are your online relationships, really?

Data flows one way: sources -> ingest -> store -> measure (language, relate, network) -> present.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
