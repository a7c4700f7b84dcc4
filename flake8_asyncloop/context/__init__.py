"""What the rules know about the project around a file: pytest config, conftest chain, versions."""

from flake8_asyncloop.context.model import (  # noqa: F401
    DEFAULT_CONTEXT,
    ConftestFacts,
    FixtureDef,
    ProjectContext,
    PytestConfig,
)
