"""Finding the project context for a file. (Placeholder until config discovery lands.)"""

from __future__ import annotations

from typing import Optional

from flake8_asyncloop.context.model import DEFAULT_CONTEXT, ProjectContext


def context_for(path: str, pytest_asyncio_version: Optional[str] = None) -> ProjectContext:
    return DEFAULT_CONTEXT
