"""The coroutine bookkeeping reads bindings from statements: it must see every bound name.

The component never looks at a stored ``Name`` itself; it takes the names from the
statements that bind them. These tests compare what it binds with every ``Name`` an
``ast.walk`` finds in a store context, over tricky snippets and real modules.
"""

from __future__ import annotations

import ast
import sys
import sysconfig
from pathlib import Path
from typing import List

import pytest

import flake8_asyncloop
from flake8_asyncloop.analysis import coroutine_calls
from flake8_asyncloop.analysis.coroutine_calls import CoroutineCalls
from flake8_asyncloop.engine import Engine
from flake8_asyncloop.rule import Rule


class _AsksAboutCoroutines(CoroutineCalls, Rule):
    code = "ALP998"
    name = "asks-about-coroutines"
    message = "never reported"
    test_code_only = False


SNIPPETS = [
    "a = b = 1\n",
    "a, (b, *c) = d\n[e, f] = g\n",
    "x: int\ny: int = 2\n",
    "n += 1\n",
    "for i, j in pairs:\n    pass\nelse:\n    k = 0\n",
    "async def f():\n    async for item in stream:\n        pass\n"
    "    async with lock as held, other as (p, q):\n        pass\n",
    "with open(p) as handle:\n    pass\n",
    "if (m := match(x)):\n    pass\n",
    "values = [v for v in range(3) if (w := v)]\n",
    "del first, second\n",
    "try:\n    pass\nexcept ValueError as error:\n    failed = True\n",
    "class C:\n    attribute = 1\n    def method(self):\n        self.value = 2\n",
    "obj.attr = 1\nitems[0] = 2\nresult = 3\n",
]


def _stored_names(tree: ast.AST) -> List[str]:
    return [
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
    ]


def _bound_names(source: str, monkeypatch: pytest.MonkeyPatch) -> List[str]:
    bound: List[str] = []
    original = coroutine_calls.Namespace.bind

    def recording(namespace, name: str, how: str) -> None:
        bound.append(name)
        original(namespace, name, how)

    monkeypatch.setattr(coroutine_calls.Namespace, "bind", recording)
    findings, errors = Engine([_AsksAboutCoroutines]).check(ast.parse(source), "module.py")
    assert not errors and not findings
    return bound


@pytest.mark.parametrize("source", SNIPPETS)
def test_every_stored_name_is_bound(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = _stored_names(ast.parse(source))
    assert stored, "each snippet binds something"
    assert set(stored) <= set(_bound_names(source, monkeypatch))


def _real_modules() -> List[Path]:
    package = Path(flake8_asyncloop.__file__).parent
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    picked = sorted(package.rglob("*.py"))
    for name in ("asyncio/base_events.py", "asyncio/tasks.py", "argparse.py", "dataclasses.py"):
        if (stdlib / name).is_file():
            picked.append(stdlib / name)
    return picked


def test_every_stored_name_in_real_modules_is_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = 0
    for path in _real_modules():
        source = path.read_text(encoding="utf-8")
        stored = set(_stored_names(ast.parse(source)))
        missing = stored - set(_bound_names(source, monkeypatch))
        assert not missing, f"{path}: {sorted(missing)}"
        checked += 1
    assert checked > 50


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type aliases need Python 3.12")
def test_a_type_alias_is_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Alias" in _bound_names("type Alias = int\n", monkeypatch)
