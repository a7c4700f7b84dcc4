"""The generated documentation: README sections, docs/configuration.md and the rule pages
match their sources, and what they document really works in flake8 and the standalone command."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from support import child_environment

from flake8_asyncloop import docs
from flake8_asyncloop.cli import _LIST_FLAGS, build_parser
from flake8_asyncloop.findings import Safety
from flake8_asyncloop.option_defs import OPTION_DEFS
from flake8_asyncloop.options import Options
from flake8_asyncloop.rules import ALL_RULES
from flake8_asyncloop.settings import _SETTINGS_KEYS, resolve

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


# -- drift --------------------------------------------------------------------------------------


def test_readme_sections_match_the_sources() -> None:
    assert docs.readme_is_current(README), f"run `{docs.GENERATOR}`: README.md is stale"


def test_configuration_page_matches_the_option_definitions() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == docs.render_configuration_page(), f"run `{docs.GENERATOR}`"


def test_check_command_passes_on_the_committed_tree() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncloop.docs", "--check"],
        cwd=ROOT, capture_output=True, text=True, env=child_environment(),
    )
    assert result.returncode == 0, result.stderr


def test_check_command_reports_a_stale_readme_and_page(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    readme = tmp_path / "README.md"
    readme.write_text(
        README.read_text(encoding="utf-8").replace("| ALP410", "| ALP999", 1), encoding="utf-8"
    )
    page = tmp_path / "docs" / "configuration.md"
    page.write_text(page.read_text(encoding="utf-8") + "hand-written\n", encoding="utf-8")
    args = ["--docs-dir", str(tmp_path / "docs"), "--readme", str(readme)]
    assert docs.main([*args, "--check"]) == 1
    assert docs.main(args) == 0
    assert docs.main([*args, "--check"]) == 0
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")


def test_update_readme_replaces_only_between_the_markers() -> None:
    text = "\n".join(
        [
            "intro",
            docs.begin_marker("rules"),
            "| old table |",
            docs.end_marker("rules"),
            "middle",
            docs.begin_marker("configuration"),
            docs.end_marker("configuration"),
            "outro",
        ]
    )
    updated = docs.update_readme(text, {"rules": "NEW RULES\n", "configuration": "NEW CONFIG"})
    assert updated == "\n".join(
        [
            "intro",
            docs.begin_marker("rules"),
            "",
            "NEW RULES",
            "",
            docs.end_marker("rules"),
            "middle",
            docs.begin_marker("configuration"),
            "",
            "NEW CONFIG",
            "",
            docs.end_marker("configuration"),
            "outro",
        ]
    )
    with pytest.raises(docs.MissingMarkers):
        docs.update_readme("no markers here", {"rules": "x"})


# -- the rule table -----------------------------------------------------------------------------


def readme_section(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(docs.begin_marker(name)) + len(docs.begin_marker(name))
    end = text.index(docs.end_marker(name))
    return text[start:end]


def test_rule_table_lists_every_rule_with_fix_safety_and_default() -> None:
    row = (
        r"^\| \[(ALP\d{3})\]\(docs/rules/\1\.md\) \| `([a-z0-9-]+)` \| (.+?) "
        r"\| (safe|unsafe|none) \| (on|off) \|$"
    )
    rows = re.findall(row, readme_section("rules"), re.MULTILINE)
    assert [row[0] for row in rows] == [rule.code for rule in ALL_RULES]
    for (code, name, summary, fix, default), rule in zip(rows, ALL_RULES):
        assert name == rule.name
        assert summary == docs._cell(docs.summary(rule)) and "\n" not in summary
        assert fix == rule.fix_safety.value
        assert default == ("on" if rule.default_enabled else "off")
    assert dict((row[0], row[4]) for row in rows)["ALP410"] == "off"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_module_docstring_gives_a_one_line_summary(rule) -> None:
    text = docs.summary(rule)
    assert text and not text.startswith("ALP") and text.endswith(".")


# -- the rule pages -----------------------------------------------------------------------------

FINDING_LINE = re.compile(r"^(?P<path>[\w./-]+):(?P<line>\d+):(?P<col>\d+): (?P<code>ALP\d{3}) \S")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_page_shows_bad_code_the_printed_finding_and_the_fix(rule) -> None:
    page = (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    example = docs.shown_example(rule)
    assert "```python\n" + example.source.rstrip() + "\n```" in page
    printed = docs.printed_findings(rule, example)
    assert printed, f"{rule.code}: the shown example gives no finding"
    console = "\n".join(printed)
    assert console in page
    located = set()
    for line in printed:
        match = FINDING_LINE.match(line)
        assert match and match["code"] == rule.code, line
        located.add((int(match["line"]), int(match["col"])))
    if not getattr(rule, "config_file_rule", False):  # ALP208 speaks on the config file
        assert located == set(example.expect)
        assert all(line.startswith(example.filename + ":") for line in printed)
    if example.fixed is not None:
        assert "```python\n" + example.fixed.rstrip() + "\n```" in page
    if rule.fix_safety is not Safety.NONE and any(e.fixed for e in rule.bad_examples()):
        assert example.fixed is not None, f"{rule.code}: the page must show a fix"


# -- the configuration reference ------------------------------------------------------------------


def test_every_option_is_documented_and_nothing_else() -> None:
    assert set(docs.OPTION_DOCS) == {option.field for option in OPTION_DEFS}
    section = readme_section("configuration")
    for option in OPTION_DEFS:
        assert f"| `{option.flag}={option.metavar}` | `{option.config_key}` |" in section
        assert option.help in section


def test_selection_keys_documented_are_the_ones_read() -> None:
    assert set(_LIST_FLAGS) == set(_SETTINGS_KEYS)
    section = readme_section("configuration")
    for flag in _LIST_FLAGS:
        assert f"| `--{flag}=LIST` | `{flag}` |" in section


def expected_options() -> Options:
    """The Options the documented example values must produce."""
    return Options(
        **{o.field: o.convert(docs.OPTION_DOCS[o.field].example) for o in OPTION_DEFS}
    )


def as_json(options: Options) -> Dict[str, object]:
    return json.loads(json.dumps(dataclasses.asdict(options)))


FLAKE8_PROBE = """\
import dataclasses, json, sys
from flake8.options.parse_args import parse_args
from flake8_asyncloop.plugin import AsyncLoopChecker
_, options = parse_args(sys.argv[1:])
print(json.dumps({
    "options": dataclasses.asdict(AsyncLoopChecker._options),
    "extend_select": options.extend_select,
}))
"""


def flake8_sees(cwd: Path, *argv: str) -> Dict[str, object]:
    """What the plugin receives from a real flake8 option parse (config file + argv) in cwd."""
    result = subprocess.run(
        [sys.executable, "-c", FLAKE8_PROBE, *argv, "test_x.py"],
        cwd=cwd, capture_output=True, text=True, env=child_environment(),
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr
    return json.loads(result.stdout)


def test_flake8_reads_every_documented_option_from_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(docs.example_ini(), encoding="utf-8")
    seen = flake8_sees(tmp_path)
    assert expected_options() != Options()  # the example sets every option to a non-default
    assert seen["options"] == as_json(expected_options())
    assert "ALP410" in seen["extend_select"]


def test_flake8_takes_every_documented_flag(tmp_path: Path) -> None:
    argv = [
        f"{o.flag}={docs.ini_value(docs.OPTION_DOCS[o.field].example)}" for o in OPTION_DEFS
    ]
    assert flake8_sees(tmp_path, "--isolated", *argv)["options"] == as_json(expected_options())


def test_standalone_command_reads_every_documented_option_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(docs.example_toml(), encoding="utf-8")
    settings = resolve({}, cwd=str(tmp_path))
    assert settings.config_path == str(tmp_path / "pyproject.toml")
    assert settings.options == expected_options()
    assert settings.extend_select == ("ALP410",)


def test_standalone_command_reads_every_documented_option_from_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(docs.example_ini(), encoding="utf-8")
    settings = resolve({}, cwd=str(tmp_path))
    assert settings.options == expected_options()
    assert settings.extend_select == ("ALP410",)


def test_standalone_command_takes_every_documented_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flake8_asyncloop.cli import _command_line_values

    monkeypatch.chdir(tmp_path)
    argv = [
        f"{o.flag}={docs.ini_value(docs.OPTION_DOCS[o.field].example)}" for o in OPTION_DEFS
    ]
    args = build_parser().parse_args(["check", *argv, "--isolated", "."])
    settings = resolve(_command_line_values(args), isolated=True)
    assert settings.options == expected_options()


def test_standalone_command_runs_with_the_documented_pyproject(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flake8_asyncloop.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(docs.example_toml(), encoding="utf-8")
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n", encoding="utf-8")
    assert main(["check", "--no-cache", "test_x.py"]) == 0
    assert capsys.readouterr().out == ""
