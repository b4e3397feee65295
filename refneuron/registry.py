"""Every model, by name: what the tests and the command line iterate over."""

from __future__ import annotations

MODELS: dict = {}


def register(cls):
    """Class decorator: add a model class to :data:`MODELS` under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__}: a registered model needs a name")
    if cls.name in MODELS and MODELS[cls.name] is not cls:
        raise ValueError(f"{cls.name}: registered twice")
    MODELS[cls.name] = cls
    return cls


def get(name):
    """The model class registered as ``name`` (e.g. ``"snntorch.Leaky"``)."""
    from . import models  # noqa: F401  (importing registers every model)

    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ValueError(f"model: unknown model {name!r}; known models: {known}") from None


def names(framework=None):
    """Registered model names, optionally only those of one source."""
    from . import models  # noqa: F401

    return sorted(n for n in MODELS if framework is None or n.split(".")[0] == framework)
