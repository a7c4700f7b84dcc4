"""Settings from pyproject.toml, setup.cfg, tox.ini and .flake8, and their errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flake8_asyncloop.cli import main
from flake8_asyncloop.settings import DEFAULT_EXCLUDE, SettingsError, Value, resolve

CLOSING_TEST = """\
import asyncio


def test_closes():
    assert True
    asyncio.get_event_loop().close()
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture, *argv: str):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


# -- where settings come from ---------------------------------------------------------------


def test_no_config_file_gives_the_defaults(project: Path) -> None:
    settings = resolve({})
    assert settings.config_path is None
    assert settings.select is None and settings.exclude == DEFAULT_EXCLUDE


def test_pyproject_table(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.flake8-asyncloop]
        select = ["ALP1"]
        extend_ignore = "ALP104, ALP105"
        asyncloop-loop-bound-names = ["mylib.Client", "other.Pool"]
        asyncloop_pytest_asyncio_version = "0.21"
        """,
    )
    settings = resolve({})
    assert settings.config_path == str(project / "pyproject.toml")
    assert settings.select == ("ALP1",)
    assert settings.extend_ignore == ("ALP104", "ALP105")
    assert settings.options.loop_bound_names == ("mylib.Client", "other.Pool")
    assert settings.options.pytest_asyncio_version == "0.21"


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini", ".flake8"])
def test_flake8_section(project: Path, name: str) -> None:
    write(
        project / name,
        """
        [flake8]
        max-line-length = 100
        per-file-ignores = tests/*: E501
        select = E,W,ALP1
        extend_ignore =
            E203,
            ALP104
        asyncloop-loop-bound-names = mylib.Client,
            other.Pool
        """,
    )
    settings = resolve({})
    assert settings.config_path == str(project / name)
    assert settings.select == ("E", "W", "ALP1")
    assert settings.extend_ignore == ("E203", "ALP104")
    assert settings.options.loop_bound_names == ("mylib.Client", "other.Pool")


def test_ini_file_without_flake8_section_is_passed_over(project: Path) -> None:
    write(project / "setup.cfg", "[metadata]\nname = thing\n")
    write(project / "tox.ini", "[flake8]\nselect = ALP2\n")
    assert resolve({}).select == ("ALP2",)


def test_pyproject_without_our_table_is_passed_over(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    write(project / "setup.cfg", "[flake8]\nselect = ALP2\n")
    assert resolve({}).select == ("ALP2",)


def test_pyproject_comes_first_in_a_directory(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.flake8-asyncloop]\nselect = ["ALP3"]\n')
    write(project / "setup.cfg", "[flake8]\nselect = ALP2\n")
    assert resolve({}).select == ("ALP3",)


def test_search_walks_up_and_stops_at_the_first_match(project: Path) -> None:
    write(project / "setup.cfg", "[flake8]\nselect = ALP2\n")
    write(project / "pkg" / "tox.ini", "[flake8]\nselect = ALP3\n")
    (project / "pkg" / "tests").mkdir()
    assert resolve({}, cwd=str(project / "pkg" / "tests")).select == ("ALP3",)
    assert resolve({}, cwd=str(project)).select == ("ALP2",)


def test_command_line_wins(project: Path) -> None:
    write(project / "setup.cfg", "[flake8]\nselect = ALP2\nignore = ALP201\n")
    settings = resolve({"select": Value("ALP1", "--select", str(project))})
    assert settings.select == ("ALP1",)
    assert settings.ignore == ("ALP201",)


def test_isolated_and_explicit_config(project: Path) -> None:
    write(project / "setup.cfg", "[flake8]\nselect = ALP2\n")
    write(project / "other.toml", '[tool.flake8-asyncloop]\nselect = ["ALP4"]\n')
    assert resolve({}, isolated=True).select is None
    assert resolve({}, config="other.toml").select == ("ALP4",)


def test_exclude_patterns_with_a_slash_are_relative_to_the_config_file(project: Path) -> None:
    write(project / "setup.cfg", "[flake8]\nexclude = legacy,tests/old/*\n")
    (project / "sub").mkdir()
    settings = resolve({}, cwd=str(project / "sub"))
    assert settings.exclude == ("legacy", str(project / "tests" / "old" / "*"))


def test_config_file_select_applies_to_a_run(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "test_x.py", CLOSING_TEST)
    write(project / ".flake8", "[flake8]\nextend-ignore = ALP101\n")
    code, out, err = run(capsys, "check", "--select=ALP101", "test_x.py")
    assert (code, out) == (0, [])
    code, out, err = run(capsys, "check", "--select=ALP101", "--extend-ignore=ALP2", "test_x.py")
    assert code == 1 and out == [
        "test_x.py:6:5: ALP101 event loop closed by hand: it stays the current loop, closed, "
        "for the next code that gets it; remove the close()"
    ]


def test_config_file_excludes_apply_to_a_run(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "legacy" / "test_x.py", CLOSING_TEST)
    write(project / "pyproject.toml", '[tool.flake8-asyncloop]\nextend-exclude = ["legacy"]\n')
    code, out, err = run(capsys, "check", ".")
    assert (code, out, err) == (0, [], ["checked 0 files: no findings"])


# -- errors -----------------------------------------------------------------------------------


def test_unknown_key_in_our_table(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.black]
        line-length = 100

        [tool.flake8-asyncloop]
        select = ["ALP"]
        max-line-length = 100
        """,
    )
    code, out, err = run(capsys, "check", ".")
    assert code == 2 and out == []
    assert err[0].startswith(
        "flake8-asyncloop: error: pyproject.toml:6: unknown option 'max-line-length' "
        "in [tool.flake8-asyncloop]; known options: select, ignore,"
    )


def test_unknown_plugin_key_in_flake8_section(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "setup.cfg", "[flake8]\nmax-line-length = 1\nasyncloop-loop-names = x\n")
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err == [
        "flake8-asyncloop: error: setup.cfg:3: unknown option 'asyncloop-loop-names' in [flake8]; "
        "flake8-asyncloop options: asyncloop-loop-bound-names, asyncloop-pytest-asyncio-version"
    ]


def test_bad_value(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "tox.ini", "[tox]\n\n[flake8]\nasyncloop_pytest_asyncio_version = one\n")
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err == [
        "flake8-asyncloop: error: tox.ini:4: bad value for 'asyncloop-pytest-asyncio-version': "
        "'one' is not a version such as '0.21' or '1.0'"
    ]


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1.0", True),
        ("0.21", True),
        ("1.4.1.post1", True),
        ("1.0.0rc1", True),
        ("0.23.0a2", True),
        ("0.24.dev0+g1234", True),
        ("1..0", False),
        ("1.0-beta", False),
        ("soon", False),
    ],
)
def test_versions_as_pip_shows_them(
    project: Path, capsys: pytest.CaptureFixture, text: str, valid: bool
) -> None:
    write(project / "tox.ini", f"[flake8]\nasyncloop_pytest_asyncio_version = {text}\n")
    code, out, err = run(capsys, "check", ".")
    assert (code == 2) is not valid, err


def test_bad_value_type_in_toml(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "pyproject.toml", "[tool.flake8-asyncloop]\n\nselect = 3\n")
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err == [
        "flake8-asyncloop: error: pyproject.toml:3: bad value for 'select': "
        "expected codes as a list of strings or a comma-separated string"
    ]


def test_bad_code_in_our_table(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "pyproject.toml", '[tool.flake8-asyncloop]\nignore = ["ALP-101"]\n')
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err == [
        "flake8-asyncloop: error: pyproject.toml:2: bad value for 'ignore': "
        "'ALP-101' is not an error code or prefix such as 'ALP' or 'ALP101'"
    ]


def test_flake8_keys_are_flake8s_to_validate(project: Path) -> None:
    write(project / "setup.cfg", "[flake8]\nextend-ignore = E203 # black\n")
    assert resolve({}).extend_ignore == ("E203",)


def test_bad_value_on_the_command_line(project: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "check", "--select=ALP1,alp-2", ".")
    assert code == 2
    assert err == [
        "flake8-asyncloop: error: --select: bad value for 'select': "
        "'ALP-2' is not an error code or prefix such as 'ALP' or 'ALP101'"
    ]


def test_broken_toml(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "pyproject.toml", "[tool.flake8-asyncloop]\nselect = ALP\n\n[tool.x]\n")
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err == ["flake8-asyncloop: error: pyproject.toml:2: invalid TOML: Invalid value"]


def test_broken_toml_at_the_end(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / "pyproject.toml", '[tool.flake8-asyncloop]\nselect = ["ALP"\n')
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err == ["flake8-asyncloop: error: pyproject.toml:2: invalid TOML: Unclosed array"]


def test_broken_ini(project: Path, capsys: pytest.CaptureFixture) -> None:
    write(project / ".flake8", "[flake8]\nselect = ALP\nthis line is not a key\n")
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("flake8-asyncloop: error: .flake8:3: invalid config file: ")


def test_config_error_names_a_file_above_the_current_directory(
    project: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "setup.cfg", "[flake8]\nasyncloop-what = 1\n")
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    code, out, err = run(capsys, "check", ".")
    assert code == 2
    assert err[0].startswith(f"flake8-asyncloop: error: {project / 'setup.cfg'}:2: ")


def test_settings_error_is_raised_by_resolve(project: Path) -> None:
    write(project / "setup.cfg", "[flake8]\nasyncloop-what = 1\n")
    with pytest.raises(SettingsError, match="setup.cfg:2: unknown option 'asyncloop-what'"):
        resolve({})
