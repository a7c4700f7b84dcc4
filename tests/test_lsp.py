"""The language server (``flake8-asyncloop lsp``), end to end: a real client talks to it over stdio.

Each test opens a document in a fresh temporary directory, reads the diagnostics the server
publishes, asks for code actions, applies the edit the way an editor would, sends the new
text and reads the diagnostics again. The position helpers are checked directly at the end.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

from flake8_asyncloop.lsp import positions
from flake8_asyncloop.lsp.positions import LineIndex, Position, replacement

try:
    import pytest_lsp
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
except ImportError:  # the lsp extra and pytest-lsp (Python 3.10+) are test dependencies
    pytest_lsp = None

needs_pytest_lsp = pytest.mark.skipif(pytest_lsp is None, reason="needs pygls 2 and pytest-lsp")
# The client fixtures live as long as the module, on the module's event loop; tests share it.
on_the_servers_loop = pytest.mark.asyncio(loop_scope="module")
SERVER = [sys.executable, "-m", "flake8_asyncloop", "lsp"]
DIAGNOSTICS = "textDocument/publishDiagnostics"
DOCS = "https://github.com/flake8-asyncloop/flake8-asyncloop/blob/main/docs/rules/{}.md"

SYNC_CLOSE = """\
import asyncio


def test_close():
    asyncio.get_event_loop().close()
    assert not asyncio.iscoroutine(None)
"""

ASYNC_GET = """\
import asyncio

import pytest


@pytest.mark.asyncio
async def test_loop():
    loop = asyncio.get_event_loop()
    assert loop.is_running()
"""


if pytest_lsp is not None:

    def _session(capabilities: str):
        # One server per module: starting one takes a second or more.
        @pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
        async def fixture(lsp_client: LanguageClient):
            await lsp_client.initialize_session(
                types.InitializeParams(capabilities=client_capabilities(capabilities))
            )
            yield
            await lsp_client.shutdown_session()

        return fixture

    client = _session("visual-studio-code")  # UTF-16 positions, resolves code action edits
    neovim = _session("neovim@v0.11.0")  # asks for UTF-8 positions first


class Document:
    """An open document as the client sees it: the text and the last diagnostics."""

    def __init__(self, client: "LanguageClient", path: Path, text: str) -> None:
        self.client = client
        self.uri = path.as_uri()
        self.text = text
        self.version = 1

    async def open(self) -> List["types.Diagnostic"]:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(self.uri, "python", self.version, self.text)
            )
        )
        return await self.diagnostics()

    async def change(self, text: str) -> List["types.Diagnostic"]:
        self.text = text
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(self.version, self.uri),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )
        return await self.diagnostics()

    async def diagnostics(self) -> List["types.Diagnostic"]:
        await asyncio.wait_for(self.client.wait_for_notification(DIAGNOSTICS), timeout=30)
        return list(self.client.diagnostics[self.uri])

    async def actions(
        self, at: "types.Range", only: Optional[Sequence[str]] = None
    ) -> List["types.CodeAction"]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(self.uri),
                range=at,
                context=types.CodeActionContext(diagnostics=[], only=only),
            )
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    def edited(self, edit: "types.WorkspaceEdit") -> str:
        """The text after ``edit``, applied as an editor applies it (UTF-16 positions)."""
        assert edit.changes is not None and list(edit.changes) == [self.uri]
        text = self.text
        for text_edit in sorted(edit.changes[self.uri], key=_start, reverse=True):
            start = _offset(text, text_edit.range.start)
            end = _offset(text, text_edit.range.end)
            text = text[:start] + text_edit.new_text + text[end:]
        return text


def _start(edit: "types.TextEdit") -> tuple:
    return edit.range.start.line, edit.range.start.character


def _offset(text: str, position: "types.Position") -> int:
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = line.encode("utf-16-le")[: 2 * position.character]
    return before + len(units.decode("utf-16-le"))


def _range(line: int, start: int, end_line: int, end: int) -> "types.Range":
    return types.Range(types.Position(line, start), types.Position(end_line, end))


def _by_code(diagnostics: Sequence["types.Diagnostic"]) -> Dict[str, "types.Diagnostic"]:
    return {str(d.code): d for d in diagnostics}


# -- diagnostics --------------------------------------------------------------------------------


@needs_pytest_lsp
@on_the_servers_loop
async def test_diagnostics_have_ranges_codes_and_links(client, tmp_path):
    document = Document(client, tmp_path / "test_x.py", SYNC_CLOSE)
    found = _by_code(await document.open())

    assert sorted(found) == ["ALP101", "ALP105"]
    close = found["ALP101"]
    assert close.range == _range(4, 4, 4, 36)  # asyncio.get_event_loop().close()
    assert found["ALP105"].range == _range(4, 4, 4, 28)  # asyncio.get_event_loop()
    assert close.severity == types.DiagnosticSeverity.Warning
    assert close.source == "flake8-asyncloop"
    assert close.code_description is not None
    assert close.code_description.href == DOCS.format("ALP101")
    assert close.message.startswith("event loop closed by hand")  # no code in front


@needs_pytest_lsp
@on_the_servers_loop
async def test_columns_count_utf16_code_units_after_non_ascii_text(client, tmp_path):
    # "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 units.
    text = ASYNC_GET.replace(
        "loop = asyncio.get_event_loop()", 'label, loop = "é😀", asyncio.get_event_loop()'
    )
    document = Document(client, tmp_path / "test_x.py", text)
    found = _by_code(await document.open())

    # `    label, loop = "é😀", ` is 24 characters, 25 UTF-16 units and 28 UTF-8 bytes long.
    assert found["ALP104"].range == _range(7, 25, 7, 49)


@needs_pytest_lsp
@on_the_servers_loop
async def test_columns_follow_a_negotiated_utf8_encoding(neovim, tmp_path):
    text = ASYNC_GET.replace(
        "loop = asyncio.get_event_loop()", 'label, loop = "é😀", asyncio.get_event_loop()'
    )
    document = Document(neovim, tmp_path / "test_x.py", text)
    found = _by_code(await document.open())

    assert found["ALP104"].range == _range(7, 28, 7, 52)  # the ast byte columns


@needs_pytest_lsp
@on_the_servers_loop
async def test_noqa_and_config_selection_are_honoured(client, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-asyncloop]\nignore = ["ALP105"]\n')
    text = SYNC_CLOSE.replace(".close()", ".close()  # noqa: ALP101")
    document = Document(client, tmp_path / "test_x.py", text)

    assert await document.open() == []


@needs_pytest_lsp
@on_the_servers_loop
async def test_excluded_directories_get_no_diagnostics(client, tmp_path):
    config = '[tool.flake8-asyncloop]\nextend-exclude = ["legacy"]\n'
    (tmp_path / "pyproject.toml").write_text(config)
    excluded = Document(client, tmp_path / "legacy" / "old" / "test_x.py", SYNC_CLOSE)
    checked = Document(client, tmp_path / "tests" / "test_x.py", SYNC_CLOSE)

    assert await excluded.open() == []
    assert len(await checked.open()) == 2


@needs_pytest_lsp
@on_the_servers_loop
async def test_a_bad_config_is_shown_once_and_the_defaults_apply(client, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-asyncloop]\nselect = 3\n')
    document = Document(client, tmp_path / "test_x.py", SYNC_CLOSE)

    assert len(await document.open()) == 2
    assert len(await document.change(SYNC_CLOSE + "\n")) == 2
    shown = [m.message for m in client.messages if "pyproject.toml" in m.message]
    assert len(shown) == 1 and "bad value for 'select'" in shown[0], shown


@needs_pytest_lsp
@on_the_servers_loop
async def test_a_file_that_does_not_parse_gets_no_diagnostics(client, tmp_path):
    document = Document(client, tmp_path / "test_x.py", SYNC_CLOSE)
    assert await document.open() != []

    assert await document.change(SYNC_CLOSE + "def broken(:\n") == []


# -- code actions -------------------------------------------------------------------------------


@needs_pytest_lsp
@on_the_servers_loop
async def test_quick_fix_removes_the_close_and_the_diagnostic_goes(client, tmp_path):
    document = Document(client, tmp_path / "test_x.py", SYNC_CLOSE)
    close = _by_code(await document.open())["ALP101"]

    actions = await document.actions(_range(4, 10, 4, 10))  # the cursor inside the call

    assert [a.title for a in actions] == [
        "Fix ALP101: remove the close() call",
        "Fix all safe findings (flake8-asyncloop)",
    ]
    action = actions[0]
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.is_preferred is True
    assert action.diagnostics is not None and action.diagnostics[0].range == close.range
    assert action.edit is not None
    # One edit, replacing only the line that changed.
    (text_edit,) = action.edit.changes[document.uri]
    assert text_edit.range == _range(4, 0, 5, 0)
    assert text_edit.new_text == ""

    remaining = await document.change(document.edited(action.edit))
    assert "ALP101" not in _by_code(remaining)
    assert document.text.endswith("def test_close():\n    assert not asyncio.iscoroutine(None)\n")


@needs_pytest_lsp
@on_the_servers_loop
async def test_quick_fix_in_async_test_uses_get_running_loop(client, tmp_path):
    document = Document(client, tmp_path / "test_x.py", ASYNC_GET)
    found = _by_code(await document.open())
    assert list(found) == ["ALP104"]
    assert found["ALP104"].range == _range(7, 11, 7, 35)

    (action,) = await document.actions(found["ALP104"].range, only=["quickfix"])
    assert action.title == "Fix ALP104: use get_running_loop()"
    assert action.is_preferred is True

    assert await document.change(document.edited(action.edit)) == []
    assert "    loop = asyncio.get_running_loop()\n" in document.text


@needs_pytest_lsp
@on_the_servers_loop
async def test_unsafe_fixes_are_labelled_and_not_preferred(client, tmp_path):
    text = ASYNC_GET.replace("@pytest.mark.asyncio\n", "")  # strict mode never runs it
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # strict mode, said by a config
    document = Document(client, tmp_path / "test_x.py", text)
    found = _by_code(await document.open())

    actions = await document.actions(found["ALP401"].range)
    titles = {a.title: a for a in actions if a.kind == types.CodeActionKind.QuickFix}

    unsafe = titles["Fix ALP401: mark the test with @pytest.mark.asyncio (unsafe)"]
    assert not unsafe.is_preferred
    assert titles["Fix ALP104: use get_running_loop()"].is_preferred  # inside the test's range
    fixed = document.edited(unsafe.edit)
    assert "@pytest.mark.asyncio\nasync def test_loop():" in fixed


@needs_pytest_lsp
@on_the_servers_loop
async def test_only_fixes_for_the_requested_range(client, tmp_path):
    document = Document(client, tmp_path / "test_x.py", SYNC_CLOSE)
    await document.open()

    assert await document.actions(_range(0, 0, 0, 0), only=["quickfix"]) == []


@needs_pytest_lsp
@on_the_servers_loop
async def test_fix_all_applies_every_safe_fix(client, tmp_path):
    no_fix = "\n\ndef test_no_fix():\n    assert asyncio.get_event_loop()\n"
    text = SYNC_CLOSE + no_fix + "\n\n" + ASYNC_GET.split("\n\n\n", 1)[1]
    document = Document(client, tmp_path / "test_x.py", text)
    codes = sorted(str(d.code) for d in await document.open())
    assert codes == ["ALP101", "ALP104", "ALP105", "ALP105"]

    (action,) = await document.actions(_range(0, 0, 0, 0), only=["source.fixAll"])
    assert action.title == "Fix all safe findings (flake8-asyncloop)"
    assert action.kind == "source.fixAll.flake8-asyncloop"
    resolved = await client.code_action_resolve_async(action)  # the edit is computed on demand
    assert resolved.edit is not None

    remaining = await document.change(document.edited(resolved.edit))
    assert [(d.code, d.range.start.line) for d in remaining] == [("ALP105", 8)]  # no fix
    assert "asyncio.get_running_loop()" in document.text


@needs_pytest_lsp
@on_the_servers_loop
async def test_edits_keep_the_documents_crlf_line_breaks(client, tmp_path):
    document = Document(client, tmp_path / "test_x.py", ASYNC_GET.replace("\n", "\r\n"))
    found = _by_code(await document.open())
    assert found["ALP104"].range == _range(7, 11, 7, 35)

    (action,) = await document.actions(found["ALP104"].range, only=["quickfix"])
    (text_edit,) = action.edit.changes[document.uri]
    assert text_edit.new_text == "    loop = asyncio.get_running_loop()\r\n"
    assert await document.change(document.edited(action.edit)) == []


# -- without pygls ---------------------------------------------------------------------------------


def test_lsp_command_without_pygls_says_how_to_install_it(monkeypatch, capsys):
    from importlib import metadata

    from flake8_asyncloop.cli import main

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert main(["lsp"]) == 2
    error = capsys.readouterr().err
    assert "pygls 2" in error and "pip install 'flake8-asyncloop[lsp]'" in error


def test_the_package_does_not_import_pygls_unless_the_server_runs():
    code = (
        "import sys, flake8_asyncloop.cli, flake8_asyncloop.plugin, flake8_asyncloop.lsp;"
        "assert not any(m.split('.')[0] in ('pygls', 'lsprotocol') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- positions ---------------------------------------------------------------------------------


def test_byte_columns_become_code_units():
    index = LineIndex('x = "é😀"; y\n')
    assert index.position(1, len('x = "é😀"; '.encode())) == Position(0, 11)
    assert LineIndex('x = "é😀"; y', units=len).position(1, 14) == Position(0, 10)
    assert index.position(9, 0) == Position(1, 0)  # past the end: the end of the text


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("a\nb\nc\n", "a\nB\nc\n", positions.Replacement(Position(1, 0), Position(2, 0), "B\n")),
        ("a\nb\nc\n", "a\nc\n", positions.Replacement(Position(1, 0), Position(2, 0), "")),
        ("a\nb", "a\nb\n", positions.Replacement(Position(1, 0), Position(1, 1), "b\n")),
        ("a\n", "a\nb\n", positions.Replacement(Position(1, 0), Position(1, 0), "b\n")),
        ("x\nx\n", "x\nx\nx\n", positions.Replacement(Position(2, 0), Position(2, 0), "x\n")),
        ("é😀", "ok", positions.Replacement(Position(0, 0), Position(0, 3), "ok")),
    ],
)
def test_replacement_is_the_smallest_run_of_changed_lines(old, new, expected):
    assert replacement(old, new) == expected
    assert _apply(old, expected) == new


def test_replacement_writes_the_documents_line_breaks():
    change = replacement("a\nb\n", "a\nc\nd\n", newline="\r\n")
    assert change == positions.Replacement(Position(1, 0), Position(2, 0), "c\r\nd\r\n")
    assert replacement("same\n", "same\n") is None


def _apply(text: str, change: positions.Replacement) -> str:
    start, end = _offset(text, change.start), _offset(text, change.end)  # type: ignore[arg-type]
    return text[:start] + change.new_text + text[end:]
