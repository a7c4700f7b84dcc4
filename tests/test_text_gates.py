"""Rules ruled out before the walk (``applies_to``) would have reported nothing there.

``test_trigger_words.py`` runs every rule example with and without the gates; these tests
cover what the examples do not: files that say nothing of async yet hold findings, through
project imports, configured loop-bound classes and the odd spellings of an import.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from support import write

from flake8_asyncloop.analysis.text_gates import (
    _imported_modules,
    mentions_async,
    mentions_loop_bound_constructor,
)
from flake8_asyncloop.context.discovery import clear_caches, context_for
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.options import Options
from flake8_asyncloop.rules import ALL_RULES

ENGINE = Engine(ALL_RULES)
HELPERS = "async def fetch(key):\n    return key\n"


def _check(root: Path, files: Dict[str, str], options: Options = Options()) -> List[Tuple]:
    """Findings for ``test_it.py``, with the gates (source given) and without: both equal."""
    clear_caches()
    for relative, text in {"pytest.ini": "[pytest]\n", **files}.items():
        write(root / relative, text)
    path = root / "test_it.py"
    source = path.read_text(encoding="utf-8")
    project = context_for(str(path))
    gated, errors = ENGINE.check(ast.parse(source), str(path), project, options, source)
    everything, _ = ENGINE.check(ast.parse(source), str(path), project, options)
    assert not errors
    assert gated == everything
    return [(f.line, f.col + 1, f.code) for f in gated]


@pytest.mark.parametrize(
    "files",
    [
        {"helpers.py": HELPERS, "test_it.py": "from helpers import fetch\n\n\ndef test_it():\n"
         "    fetch(1)\n"},
        {"pkg/__init__.py": "", "pkg/helpers.py": HELPERS,
         "test_it.py": "import pkg.helpers\n\n\ndef test_it():\n    pkg.helpers.fetch(1)\n"},
        {"pkg/__init__.py": "", "pkg/helpers.py": HELPERS,
         "test_it.py": "from pkg import helpers\n\n\ndef test_it():\n    helpers.fetch(1)\n"},
        {"space/helpers.py": HELPERS,  # a namespace package: no __init__.py
         "test_it.py": "from space import helpers\n\n\ndef test_it():\n    helpers.fetch(1)\n"},
        {"helpers.py": HELPERS,
         "test_it.py": "def test_it():\n    from helpers import fetch\n\n    fetch(1)\n"},
        {"helpers.py": HELPERS, "test_it.py": "x = 1; from helpers import fetch\n\n\n"
         "def test_it():\n    fetch(1)\n"},
    ],
    ids=[
        "from-module", "import-dotted", "from-package", "namespace-package", "nested", "semicolon"
    ],
)
def test_a_project_coroutine_is_found_in_a_file_that_never_says_async(
    tmp_path: Path, files: Dict[str, str]
) -> None:
    assert "async" not in files["test_it.py"].lower()
    found = _check(tmp_path, files)
    assert [code for _, _, code in found] == ["ALP301"]


def test_a_configured_loop_bound_class_is_found_without_asyncio(tmp_path: Path) -> None:
    files = {"test_it.py": "import mylib\n\nCLIENT = mylib.Client()\n\n\ndef test_it():\n"
             "    assert CLIENT\n"}
    options = Options(loop_bound_names=("mylib.Client",))
    assert _check(tmp_path, files, options) == [(3, 10, "ALP501")]
    assert _check(tmp_path, files) == []


@pytest.mark.parametrize(
    "imports",
    [
        "import os, \\\n    asyncio\n",
        "from \\\n    asyncio import Future\nasyncio = None\n",
        "from asyncio import (\n    Future,\n)\nasyncio = None\n",
        "import os; import asyncio\n",
    ],
    ids=["continued-import", "continued-from", "parenthesized", "semicolon"],
)
def test_a_loop_bound_constructor_is_found_however_its_import_is_written(
    tmp_path: Path, imports: str
) -> None:
    call = "asyncio.Future()" if imports.startswith("import") else "Future()"
    body = f"{imports}\nFUTURE = {call}\n\n\ndef test_it():\n    assert FUTURE\n"
    line = body.splitlines().index(f"FUTURE = {call}") + 1
    assert _check(tmp_path, {"test_it.py": body}) == [(line, 10, "ALP501")]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import asyncio\n", True),
        ("import os\n# asyncio is not used here\nQUEUE = Queue()\n", False),
        ("import os\nLOOP_BOUND = 'redis'\n", False),
        ("import os\\\nNAME = 'redis'\n", True),  # continued lines: all the text is read
        ("future = loop.create_future()\n", True),
    ],
)
def test_loop_bound_packages_are_looked_for_in_imports(source: str, expected: bool) -> None:
    assert mentions_loop_bound_constructor(source, ()) is expected


def test_every_import_spelling_is_read() -> None:
    source = (
        "from .import a\nfrom . . import b\nfrom ..pkg.sub import (c,\n    d)\n"
        "import os.path as p, json\ndef f():\n    import e.f\nif x: import g\n"
        "from pkg.import_tools import h\n\x0cimport i\n"
    )
    assert list(_imported_modules(source)) == [
        ("", 1), ("", 2), ("pkg.sub", 2), ("os.path", 0), ("os", 0), ("json", 0),
        ("e.f", 0), ("e", 0), ("g", 0), ("pkg.import_tools", 0), ("i", 0),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("async def f():\n    pass\n", True),
        ("class A:\n    async   def f(self): ...\n", True),
        ("async with lock:\n    pass\n", True),
        ("x = [i async for i in it]\n", True),
        ("import asyncio\n", True),
        ("from pytest_asyncio import fixture\n", True),
        ("from unittest.mock import AsyncMock\n", True),
        ("import asyncore\n", False),
        ("def test_it(async_client):\n    pass\n", False),
        ("is_async = True\n", False),
        ("is_async = True\nasync def f(): ...\n", True),
        ("x = 1;async def f(): ...\n", True),
        ("from typing import AsyncIterator\n", False),
        ("class AsyncoreServer: ...\n", False),
        ("", False),
    ],
)
def test_async_is_read_as_a_word(source: str, expected: bool) -> None:
    assert mentions_async(source) is expected


@pytest.mark.parametrize(
    "body",
    [
        "import asyncore\n\n\ndef test_it(async_client):\n    asyncore.loop()\n",
        "from typing import AsyncIterator\n\n\ndef test_it():\n    assert AsyncIterator\n",
    ],
)
def test_a_file_that_only_contains_async_in_longer_words_has_no_finding(
    tmp_path: Path, body: str
) -> None:
    assert _check(tmp_path, {"test_it.py": body}) == []
