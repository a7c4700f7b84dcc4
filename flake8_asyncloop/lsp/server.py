"""The language server: findings as diagnostics, fixes as code actions (pygls 2).

Documents are checked when opened, changed and saved. A code action request gets a quick
fix for each finding with a fix that overlaps the requested range (safe fixes preferred,
unsafe ones labelled), and a "fix all" source action that applies the safe fixes as
``flake8-asyncloop fix`` does. Each edit replaces the smallest run of whole lines that
changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any, List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from flake8_asyncloop import __version__
from flake8_asyncloop.docs import docs_url
from flake8_asyncloop.findings import Finding, Safety
from flake8_asyncloop.lsp.checking import DocumentChecker
from flake8_asyncloop.lsp.positions import LineIndex, Position, Units, replacement
from flake8_asyncloop.sourcefile import normalize_newlines

SOURCE = "flake8-asyncloop"
QUICK_FIX = types.CodeActionKind.QuickFix.value
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
FIX_ALL_TITLE = "Fix all safe findings (flake8-asyncloop)"


class AsyncLoopServer(LanguageServer):
    def __init__(self) -> None:
        # Full sync: the client sends the whole text on each change, so it is never
        # rebuilt from ranges (pygls splits lines at more characters than LSP does).
        full = types.TextDocumentSyncKind.Full
        super().__init__(SOURCE, __version__, text_document_sync_kind=full)
        self.checker = DocumentChecker()


@dataclass(frozen=True)
class Snapshot:
    """One version of an open document, as the checker sees it."""

    uri: str
    version: Optional[int]
    path: str
    text: str  # with \n line breaks
    newline: str  # the document's own line break, for inserted text
    units: Units  # code units of the negotiated position encoding

    @classmethod
    def of(cls, server: AsyncLoopServer, uri: str) -> "Snapshot":
        document = server.workspace.get_text_document(uri)
        raw = document.source
        newline = "\r\n" if "\r\n" in raw else ("\r" if "\r" in raw else "\n")
        return cls(
            uri=uri,
            version=document.version,
            path=os.path.abspath(document.path or "untitled.py"),
            text=normalize_newlines(raw),
            newline=newline,
            units=document.position_codec.client_num_units,
        )

    @cached_property
    def index(self) -> LineIndex:
        return LineIndex(self.text, self.units)

    def range(self, finding: Finding) -> types.Range:
        index = self.index
        start = index.position(finding.line, finding.col)
        end = index.position(finding.end_line, finding.end_col)
        return types.Range(_position(start), _position(end))

    def edit_to(self, new_text: str) -> Optional[types.WorkspaceEdit]:
        change = replacement(self.text, new_text, self.units, self.newline)
        if change is None:
            return None
        text_edit = types.TextEdit(
            range=types.Range(_position(change.start), _position(change.end)),
            new_text=change.new_text,
        )
        return types.WorkspaceEdit(changes={self.uri: [text_edit]})


def _position(position: Position) -> types.Position:
    return types.Position(line=position.line, character=position.character)


def diagnostic(snapshot: Snapshot, finding: Finding) -> types.Diagnostic:
    return types.Diagnostic(
        range=snapshot.range(finding),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=docs_url(finding.code)),
        source=SOURCE,
    )


def publish(server: AsyncLoopServer, uri: str) -> None:
    snapshot = Snapshot.of(server, uri)
    findings = server.checker.findings(snapshot.text, snapshot.path)
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=uri,
            version=snapshot.version,
            diagnostics=[diagnostic(snapshot, f) for f in findings],
        )
    )
    for problem in server.checker.take_settings_errors():
        server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=f"{SOURCE}: {problem}")
        )


# -- code actions ----------------------------------------------------------------------------


def code_actions(server: AsyncLoopServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    snapshot = Snapshot.of(server, params.text_document.uri)
    findings = server.checker.findings(snapshot.text, snapshot.path)
    only = params.context.only
    actions: List[types.CodeAction] = []
    if _wanted(QUICK_FIX, only):
        for finding in findings:
            if finding.fix is None or finding.fix.safety is Safety.NONE:
                continue
            if _overlap(snapshot.range(finding), params.range):
                action = quick_fix(server, snapshot, finding)
                if action is not None:
                    actions.append(action)
    if _wanted(FIX_ALL, only) and any(_safe_fix(f) for f in findings):
        action = types.CodeAction(
            title=FIX_ALL_TITLE,
            kind=FIX_ALL,
            data={"uri": snapshot.uri, "version": snapshot.version},
        )
        if not _client_resolves_edits(server):
            action = resolve_fix_all(server, action)
        if action.edit is not None or action.data is not None:
            actions.append(action)
    return actions


def quick_fix(
    server: AsyncLoopServer, snapshot: Snapshot, finding: Finding
) -> Optional[types.CodeAction]:
    fixed = server.checker.fixed_by(snapshot.text, finding)
    edit = snapshot.edit_to(fixed) if fixed is not None else None
    if edit is None:
        return None
    assert finding.fix is not None
    safe = finding.fix.safety is Safety.SAFE
    title = f"Fix {finding.code}: {finding.fix.description}" + ("" if safe else " (unsafe)")
    return types.CodeAction(
        title=title,
        kind=QUICK_FIX,
        diagnostics=[diagnostic(snapshot, finding)],
        edit=edit,
        is_preferred=safe,
    )


def resolve_fix_all(server: AsyncLoopServer, action: types.CodeAction) -> types.CodeAction:
    """Fill in the fix-all edit; computed only when asked for, as it runs the fix loop."""
    data: Any = action.data
    if action.kind != FIX_ALL or not isinstance(data, dict) or "uri" not in data:
        return action
    snapshot = Snapshot.of(server, data["uri"])
    if data.get("version") is not None and data["version"] != snapshot.version:
        return action  # the document changed since: an edit would land in the wrong place
    fixed = server.checker.fix_all(snapshot.text, snapshot.path)
    if fixed is not None:
        action.edit = snapshot.edit_to(fixed)
    action.data = None
    return action


def _safe_fix(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.safety is Safety.SAFE


def _wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    """Kinds are hierarchical: asking for ``source.fixAll`` includes ``source.fixAll.x``."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _overlap(a: types.Range, b: types.Range) -> bool:
    return _key(a.start) <= _key(b.end) and _key(b.start) <= _key(a.end)


def _key(position: types.Position) -> Tuple[int, int]:
    return position.line, position.character


def _client_resolves_edits(server: AsyncLoopServer) -> bool:
    code_action = getattr(server.client_capabilities.text_document, "code_action", None)
    support = getattr(code_action, "resolve_support", None)
    return support is not None and "edit" in support.properties


# -- wiring ----------------------------------------------------------------------------------


def create_server() -> AsyncLoopServer:
    server = AsyncLoopServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsyncLoopServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsyncLoopServer, params: types.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AsyncLoopServer, params: types.DidSaveTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)  # a config or conftest.py may have changed

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsyncLoopServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[QUICK_FIX, FIX_ALL], resolve_provider=True),
    )
    def code_action(
        ls: AsyncLoopServer, params: types.CodeActionParams
    ) -> List[types.CodeAction]:
        return code_actions(ls, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: AsyncLoopServer, params: types.CodeAction) -> types.CodeAction:
        return resolve_fix_all(ls, params)

    return server


def serve() -> None:
    create_server().start_io()
