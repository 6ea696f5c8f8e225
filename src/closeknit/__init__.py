"""closeknit: how close are your online relationships, really?

Data flows one way: sources -> ingest -> store -> measure (language, relate, network) -> present.
The Python API is :func:`open`, which gives a :class:`Closeknit` store whose methods return pandas
DataFrames with names (see :mod:`closeknit.api` and the README's "Python" section).

>>> import closeknit
>>> sorted(closeknit.__all__)
['Closeknit', '__version__', 'open', 'to_json']
"""

__version__ = "0.1.0"

from closeknit.api import Closeknit, open, to_json  # noqa: E402 - after __version__, which the CLI reads

__all__ = ["open", "Closeknit", "to_json", "__version__"]
