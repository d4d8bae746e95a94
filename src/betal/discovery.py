"""Finding the modules of a package that contribute routes or job handlers.

Each module of ``betal.web.routers``, ``betal.api.hooks`` and ``betal.sandbox`` that defines a
module-level ``router`` is mounted; each module of ``betal.jobs.handlers`` registers its handlers
when imported. Adding a module is enough; nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from fastapi import APIRouter


def modules_in(package_name: str) -> list[ModuleType]:
    package = importlib.import_module(package_name)
    names = sorted(
        info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_")
    )
    return [importlib.import_module(f"{package_name}.{name}") for name in names]


def routers_in(package_name: str) -> list[APIRouter]:
    return [m.router for m in modules_in(package_name) if isinstance(getattr(m, "router", None), APIRouter)]
