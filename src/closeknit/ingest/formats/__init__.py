"""One module per source format; importing this package registers them all."""

from importlib import import_module
import pkgutil

for _m in pkgutil.iter_modules(__path__):
    import_module(f"{__name__}.{_m.name}")
