"""Reading gkcrawl's own settings: the value a run set, else the default `settings.py` declares.

Components also run under a bare Scrapy `Settings` (tests, `get_crawler`), where the project
module is not loaded; falling back to the declared default keeps each default in one place.
A name `settings.py` does not declare is a programming error (KeyError), never a silent 0.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

from . import settings as declared


def default(name: str) -> Any:
    """The default `settings.py` declares for `name` (KeyError if it declares none)."""
    if not name.startswith("GKCRAWL_") or not hasattr(declared, name):
        raise KeyError(f"{name} is not declared in gkcrawl/crawl/settings.py")
    return getattr(declared, name)


def get(settings: BaseSettings, name: str) -> Any:
    return settings.get(name, default(name))


def get_int(settings: BaseSettings, name: str) -> int:
    return settings.getint(name, default(name))


def get_float(settings: BaseSettings, name: str) -> float:
    return settings.getfloat(name, default(name))


def get_bool(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name, default(name))
