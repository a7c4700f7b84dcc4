"""flake8-asyncloop: find and fix event-loop mistakes in pytest-asyncio test suites."""

__version__ = "0.1.0"
