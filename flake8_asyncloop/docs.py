"""Generate the reference documentation from the rules and the option definitions.

``python -m flake8_asyncloop.docs`` rewrites ``docs/rules.md``, ``docs/rules/ALPnnn.md``,
``docs/configuration.md`` and the generated sections of ``README.md`` (the rule table and the
configuration reference, between ``<!-- begin: ... -->`` / ``<!-- end: ... -->`` markers);
``--check`` exits 1 when any of them differs from what would be generated.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import re
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Type, Union

from flake8_asyncloop.context.declared_plugins import OTHER_RUNNERS
from flake8_asyncloop.findings import Finding, Safety
from flake8_asyncloop.option_defs import OPTION_DEFS, OptionDef
from flake8_asyncloop.rule import Example, Rule
from flake8_asyncloop.rules import ALL_RULES

DOCS_URL = "https://github.com/flake8-asyncloop/flake8-asyncloop/blob/main/docs/rules/{code}.md"
GENERATOR = "python -m flake8_asyncloop.docs"

# The findings shown on the rule pages are those for these pytest-asyncio and pytest versions
# (the ones the rule catalog was checked against), so that the pages do not depend on what is
# installed.
DOCS_PYTEST_ASYNCIO_VERSION = "1.5"
DOCS_PYTEST_VERSION = (9, 2)

_SAFETY_TEXT = {
    Safety.SAFE: "safe fix (`flake8-asyncloop fix`)",
    Safety.UNSAFE: "unsafe fix (`flake8-asyncloop fix --unsafe-fixes`)",
    Safety.NONE: "no automatic fix",
}


def docs_url(code: str) -> str:
    return DOCS_URL.format(code=code)


def paragraph(text: str) -> str:
    """A docs attribute as written in the rule module, dedented and trimmed."""
    return textwrap.dedent(text).strip()


def summary(rule: Type[Rule]) -> str:
    """The rule in one line: its module docstring's first paragraph, without the code."""
    doc = sys.modules[rule.__module__].__doc__ or ""
    first = " ".join(doc.strip().split("\n\n", 1)[0].split())
    prefix = f"{rule.code}: "
    if not first.startswith(prefix):
        raise ValueError(f"{rule.__module__}'s docstring must start with {prefix!r}")
    text = first[len(prefix):].replace("``", "`")
    first_word = text.split(" ", 1)[0]
    if any(mark in first_word for mark in "-_.`"):
        return text  # a name such as pytest-asyncio keeps its spelling
    return text[:1].upper() + text[1:]


# -- the rule pages -------------------------------------------------------------------------


def shown_example(rule: Type[Rule]) -> Example:
    """The bad example a page shows: the first one, or the first with a fix if it has none."""
    bad = rule.bad_examples()
    with_fix = [example for example in bad if example.fixed is not None]
    if bad[0].fixed is None and with_fix:
        return with_fix[0]
    return bad[0]


def printed_findings(rule: Type[Rule], example: Example) -> List[str]:
    """The example's findings of this rule as the tools print them (path:line:col: CODE text),
    from a real run: the example is laid out as a small project and checked with every rule,
    the way flake8 would; a config-file rule's findings come from the standalone command's
    check of the config file."""
    return list(_printed_findings(rule, rule.examples.index(example)))


@lru_cache(maxsize=None)
def _printed_findings(rule: Type[Rule], index: int) -> Tuple[str, ...]:
    from flake8_asyncloop.context.discovery import context_for
    from flake8_asyncloop.engine import Engine

    example = rule.examples[index]
    with tempfile.TemporaryDirectory() as directory:
        module = example.lay_out(Path(directory))
        if getattr(rule, "config_file_rule", False):
            return tuple(_config_file_findings(rule, module, directory))
        project = context_for(str(module), DOCS_PYTEST_ASYNCIO_VERSION)
        findings, _ = Engine(ALL_RULES).check(ast.parse(example.source), str(module), project)
    return tuple(_printed(example.filename, f) for f in findings if f.code == rule.code)


def _printed(path: str, finding: Finding) -> str:
    return f"{path}:{finding.line}:{finding.col + 1}: {finding.text}"


def _config_file_findings(rule: Type[Rule], module: Path, directory: str) -> List[str]:
    from flake8_asyncloop.rules.alp208_loop_scope_config import config_results

    printed = []
    found = config_results([str(module)], DOCS_PYTEST_ASYNCIO_VERSION, DOCS_PYTEST_VERSION)
    for path, findings in found:
        shown = os.path.relpath(os.path.abspath(path), directory)
        printed += [_printed(shown, f) for f in findings if f.code == rule.code]
    return printed


def _code_block(source: str, language: str = "python") -> str:
    return f"```{language}\n{source.rstrip()}\n```"


def _example_context(example: Example) -> str:
    if not example.files:
        return ""
    parts = [f"With `{name}`:\n\n```\n{text.rstrip()}\n```" for name, text in example.files.items()]
    return "\n\n".join(parts) + "\n\n"


def _console(rule: Type[Rule], example: Example, shown: List[str]) -> str:
    if getattr(rule, "config_file_rule", False):
        command = f"$ flake8-asyncloop check --select {rule.code} ."
    else:
        command = f"$ flake8 --select {rule.code} {example.filename}"
    return _code_block("\n".join([command, *shown]), "console")


def render_rule_markdown(rule: Type[Rule]) -> str:
    """One rule's page: the fixed sections, in ruff's order."""
    off = ""
    if not rule.default_enabled:
        off = f" Off by default: enable it with `--extend-select {rule.code}`."
    sections: List[str] = [
        f"# {rule.code} `{rule.name}`",
        f"Message: `{rule.code} {rule.message}`",
        f"Fix: {_SAFETY_TEXT[rule.fix_safety]}. {_where_it_runs(rule)}{off}",
        "## What it does",
        paragraph(rule.what),
        "## Why is this bad?",
        paragraph(rule.why),
    ]
    good = rule.good_examples()
    if rule.bad_examples():
        example = shown_example(rule)
        block = _example_context(example) + _code_block(example.source)
        block += "\n\n" + _console(rule, example, printed_findings(rule, example))
        sections += ["## Example", block]
        if example.fixed is not None:
            unsafe = " --unsafe-fixes" if rule.fix_safety is Safety.UNSAFE else ""
            sections += [f"After `flake8-asyncloop fix{unsafe}`:", _code_block(example.fixed)]
    if good:
        # A config-file rule's good example differs from its bad one in the config file.
        context = _example_context(good[0]) if getattr(rule, "config_file_rule", False) else ""
        sections += ["## Use instead", context + _code_block(good[0].source)]
    no_fix = "There is no automatic fix; the sections above show the manual one."
    sections += ["## Fix safety", paragraph(rule.fix_notes) or no_fix]
    if rule.limitations:
        sections += ["## Known problems", paragraph(rule.limitations)]
    return "\n\n".join(sections) + "\n"


def _where_it_runs(rule: Type[Rule]) -> str:
    if getattr(rule, "config_file_rule", False):
        where = (
            "Reported on the pytest config file, by `flake8-asyncloop check` only "
            "(flake8 checks Python files)."
        )
    elif rule.test_code_only:
        where = "Runs in test code only (test modules and `conftest.py`)."
    else:
        where = "Runs in any Python file."
    if rule.assumes_pytest_asyncio:
        runners = ", ".join(f"`{name}`" for name in OTHER_RUNNERS)
        where += (
            " Silent where pytest-asyncio does not run the tests: the pytest config's `addopts`"
            " blocks it (`-p no:asyncio`), or the project's dependency files name another"
            f" runner ({runners}) and not pytest-asyncio; and in a module that neither imports"
            " `pytest_asyncio` nor marks a test `asyncio` when the dependency files name pytest"
            " but not pytest-asyncio, no lock file resolves it, and neither the pytest config"
            " nor a conftest.py uses it."
        )
    return where


# -- the rule table -------------------------------------------------------------------------


def render_rule_table(rules: Sequence[Type[Rule]], pages: str) -> str:
    """Code, name, summary, fix safety and default state of every rule; ``pages`` is the
    path from the document to the directory of rule pages."""
    lines = ["| code | name | summary | fix | default |", "|---|---|---|---|---|"]
    for rule in rules:
        lines.append(
            f"| [{rule.code}]({pages}/{rule.code}.md) | `{rule.name}` | {_cell(summary(rule))} "
            f"| {rule.fix_safety.value} | {'on' if rule.default_enabled else 'off'} |"
        )
    return "\n".join(lines) + "\n"


def render_index(rules: Sequence[Type[Rule]]) -> str:
    return (
        "# Rules\n\n"
        f"Generated by `{GENERATOR}` from the rule modules; do not edit by hand.\n\n"
        + _RULE_TABLE_INTRO
        + "\n"
        + render_rule_table(rules, "rules")
    )


_RULE_TABLE_INTRO = (
    "Fix: `safe` fixes are applied by `flake8-asyncloop fix`, `unsafe` ones only with\n"
    "`--unsafe-fixes`, `none` means the page explains the manual fix. Rules that are off by\n"
    "default are enabled with `extend-select` (flake8 and the standalone command alike).\n"
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


# -- the configuration reference --------------------------------------------------------------

Value = Union[str, Tuple[str, ...]]


@dataclass(frozen=True)
class OptionDoc:
    """What the reference says about an option beyond its definition."""

    type: str
    default: str
    example: Value  # also what the tests feed flake8 and the standalone command


OPTION_DOCS: Dict[str, OptionDoc] = {
    "loop_bound_names": OptionDoc(
        type="list of dotted names (comma-separated in `[flake8]`; a TOML list or string)",
        default="none: the built-in list only",
        example=("myapp.clients.ApiClient", "myapp.db.Pool"),
    ),
    "pytest_asyncio_version": OptionDoc(
        type="version (`0.23`, `1.0`, `1.5.0`)",
        default="the installed pytest-asyncio",
        example="0.23",
    ),
}

# Settings of flake8's own that the standalone command reads too; an example for each file.
EXAMPLE_SELECTION = ("extend-select", ("ALP410",))


def option_doc(option: OptionDef) -> OptionDoc:
    try:
        return OPTION_DOCS[option.field]
    except KeyError:
        raise KeyError(f"{option.flag} has no entry in docs.OPTION_DOCS") from None


def ini_value(value: Value) -> str:
    return value if isinstance(value, str) else ", ".join(value)


def toml_value(value: Value) -> str:
    return json.dumps(value if isinstance(value, str) else list(value))


def example_ini(options: Sequence[OptionDef] = OPTION_DEFS) -> str:
    """The ``[flake8]`` section of the reference's example (setup.cfg, tox.ini, .flake8)."""
    key, value = EXAMPLE_SELECTION
    lines = ["[flake8]", f"{key} = {ini_value(value)}"]
    lines += [f"{o.config_key} = {ini_value(option_doc(o).example)}" for o in options]
    return "\n".join(lines) + "\n"


def example_toml(options: Sequence[OptionDef] = OPTION_DEFS) -> str:
    """The ``[tool.flake8-asyncloop]`` table of the reference's example (pyproject.toml)."""
    key, value = EXAMPLE_SELECTION
    lines = ["[tool.flake8-asyncloop]", f"{key} = {toml_value(value)}"]
    lines += [f"{o.config_key} = {toml_value(option_doc(o).example)}" for o in options]
    return "\n".join(lines) + "\n"


def render_configuration(level: int, options: Sequence[OptionDef] = OPTION_DEFS) -> str:
    """The configuration reference; ``level`` is the heading level of its subsections."""
    from flake8_asyncloop.cli import _LIST_FLAGS

    heading = "#" * level
    rows = ["| flag | config key | type | default | description |", "|---|---|---|---|---|"]
    for option in options:
        doc = option_doc(option)
        rows.append(
            f"| `{option.flag}={option.metavar}` | `{option.config_key}` | {_cell(doc.type)} "
            f"| {_cell(doc.default)} | {_cell(option.help)} |"
        )
    selection = ["| flag | config key | description |", "|---|---|---|"]
    for flag, text in _LIST_FLAGS.items():
        selection.append(f"| `--{flag}=LIST` | `{flag}` | {_cell(text)} |")
    parts = [
        "The plugin's options work the same for flake8 and for the standalone command\n"
        "(`flake8-asyncloop check` and `fix`): as command-line flags, as keys of the `[flake8]`\n"
        "section of `setup.cfg`, `tox.ini` or `.flake8`, and, for the standalone command only\n"
        "(flake8 does not read `pyproject.toml`), as keys of the `[tool.flake8-asyncloop]` table\n"
        "of `pyproject.toml`. A key is the flag without its dashes, spelled with dashes or\n"
        "underscores. The command line overrides the config file. The standalone command uses\n"
        "the first config file with a section for it, looking in the current directory and then\n"
        "upwards, `pyproject.toml` before the others.",
        "\n".join(rows),
        "The standalone command also reads flake8's selection and exclusion settings, as flags\n"
        "and under the same keys in either file (flake8 reads them from `[flake8]` itself; codes\n"
        "and patterns are separated by commas, or given as a TOML list):",
        "\n".join(selection),
        f"{heading} Example",
        "In `setup.cfg`, `tox.ini` or `.flake8`, read by flake8 and by the standalone command:",
        _code_block(example_ini(options), "ini"),
        "In `pyproject.toml`, read by the standalone command:",
        _code_block(example_toml(options), "toml"),
    ]
    return "\n\n".join(parts) + "\n"


def render_configuration_page() -> str:
    return (
        "# Configuration\n\n"
        f"Generated by `{GENERATOR}` from the option definitions; do not edit by hand.\n\n"
        + render_configuration(level=2)
    )


# -- the README's generated sections ------------------------------------------------------------

# The shipped example suite, relative to the project root (a source checkout).
EXAMPLE_SUITE = "examples/broken"


def render_example_run() -> str:
    """What the linter prints on the shipped broken suite: findings, then the safe fixes."""
    findings, _ = command_output(["check", "--isolated", "--no-cache", EXAMPLE_SUITE])
    diff, summary = command_output(["fix", "--diff", "--isolated", "--no-cache", EXAMPLE_SUITE])
    return (
        f"```console\n$ flake8 --select ALP {EXAMPLE_SUITE}\n{findings}```\n\n"
        "and fixes what can be fixed without changing what a passing test does:\n\n"
        f"```console\n$ flake8-asyncloop fix --diff {EXAMPLE_SUITE}\n{diff}{summary}```\n"
    )


def command_output(argv: List[str]) -> Tuple[str, str]:
    """stdout and stderr of the standalone command, run in the project root."""
    from flake8_asyncloop.cli import main as command

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            command(argv)
    finally:
        os.chdir(here)
    return out.getvalue(), err.getvalue()


README_SECTIONS: Dict[str, Callable[[], str]] = {
    "example-run": render_example_run,
    "rules": lambda: render_rule_table(ALL_RULES, "docs/rules"),
    "configuration": lambda: render_configuration(level=4),
}


def begin_marker(name: str) -> str:
    return f"<!-- begin: {name} (generated by {GENERATOR}) -->"


def end_marker(name: str) -> str:
    return f"<!-- end: {name} -->"


class MissingMarkers(ValueError):
    """The README lacks the markers of a generated section."""


def update_readme(text: str, sections: Optional[Dict[str, str]] = None) -> str:
    """``text`` with every generated section replaced by its current content."""
    if sections is None:
        sections = {name: make() for name, make in README_SECTIONS.items()}
    for name, content in sections.items():
        pattern = re.compile(
            re.escape(begin_marker(name)) + r"\n.*?" + re.escape(end_marker(name)), re.DOTALL
        )
        if not pattern.search(text):
            raise MissingMarkers(f"no {begin_marker(name)} ... {end_marker(name)} section")
        replacement = f"{begin_marker(name)}\n\n{content.rstrip()}\n\n{end_marker(name)}"
        text = pattern.sub(lambda _: replacement, text, count=1)
    return text


# -- writing and checking -----------------------------------------------------------------------


def generate(rules: Sequence[Type[Rule]] = ALL_RULES) -> Dict[str, str]:
    """``{relative path under docs/: text}`` for the whole reference."""
    pages = {"rules.md": render_index(rules), "configuration.md": render_configuration_page()}
    for rule in rules:
        pages[f"rules/{rule.code}.md"] = render_rule_markdown(rule)
    return pages


def differences(docs_dir: Path, pages: Dict[str, str]) -> List[str]:
    stale = [name for name, text in pages.items() if _read(docs_dir / name) != text]
    generated = set(pages)
    rules_dir = docs_dir / "rules"
    if rules_dir.is_dir():
        pages_on_disk = (f"rules/{p.name}" for p in rules_dir.glob("*.md"))
        stale += [name for name in pages_on_disk if name not in generated]
    return sorted(stale)


def readme_is_current(readme: Path) -> bool:
    text = _read(readme)
    return text is not None and update_readme(text) == text


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog=GENERATOR, description=__doc__)
    parser.add_argument("--docs-dir", type=Path, default=Path("docs"))
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument(
        "--check", action="store_true", help="only report stale files; exit 1 if any"
    )
    args = parser.parse_args(argv)
    pages = generate()
    stale = differences(args.docs_dir, pages)
    readme = _read(args.readme)
    if readme is None:
        print(f"{args.readme}: cannot read it", file=sys.stderr)
        return 2
    try:
        new_readme = update_readme(readme)
    except MissingMarkers as error:
        print(f"{args.readme}: {error}", file=sys.stderr)
        return 2
    if args.check:
        for name in stale:
            print(f"{args.docs_dir / name} is out of date; run {GENERATOR}", file=sys.stderr)
        if new_readme != readme:
            print(f"{args.readme} is out of date; run {GENERATOR}", file=sys.stderr)
        return 1 if stale or new_readme != readme else 0
    for name in stale:
        target = args.docs_dir / name
        if name in pages:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(pages[name], encoding="utf-8")
        else:
            target.unlink()
        print(f"wrote {target}" if name in pages else f"removed {target}")
    if new_readme != readme:
        args.readme.write_text(new_readme, encoding="utf-8")
        print(f"wrote {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
