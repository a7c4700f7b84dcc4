"""The ``flake8-asyncloop`` command: check, fix, explain, rules. Parsing and dispatch only.

Exit status: 0 clean, 1 findings (or, for ``fix --diff``, changes to make), 2 usage errors,
files that could not be read or written, and internal errors; 130 when interrupted, 141 when
the reader of the output went away.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Any, Dict, Optional, Sequence, TextIO

from flake8_asyncloop import __version__
from flake8_asyncloop.option_defs import OPTION_DEFS
from flake8_asyncloop.settings import SettingsError, Value, resolve

PROG = "flake8-asyncloop"
ISSUE_HINT = "please report this at the project's issue tracker"
USAGE_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT, as shells report it
BROKEN_PIPE = 141  # 128 + SIGPIPE
FINDINGS = 1
FORMATS = ("text", "json", "sarif", "github", "junit")  # report.reporters() has one of each

# Selection and exclusion flags, each also a config key of the same name.
_LIST_FLAGS = {
    "select": "codes or prefixes to report (replaces the default, ALP)",
    "ignore": "codes or prefixes not to report",
    "extend-select": "codes or prefixes to report in addition to the selected ones",
    "extend-ignore": "codes or prefixes not to report, in addition to the ignored ones",
    "exclude": "glob patterns of paths to skip (replaces the default list)",
    "extend-exclude": "glob patterns of paths to skip, in addition to the excluded ones",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Find and fix event-loop mistakes in pytest-asyncio test suites."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="report findings, as the flake8 plugin does")
    _add_run_arguments(check)
    check.add_argument(
        "--format", choices=FORMATS, default="text", help="how to write the findings (text)"
    )
    check.add_argument(
        "--output-file", metavar="PATH", help="write the report to this file, not stdout"
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even with findings (still 2 on errors)"
    )

    fix = commands.add_parser("fix", help="apply the fixes, then report what remains")
    _add_run_arguments(fix)
    fix.add_argument("--diff", action="store_true", help="print the changes; write nothing")
    fix.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply fixes that may change an outcome"
    )

    explain = commands.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", metavar="CODE", help="a rule code such as ALP101")

    commands.add_parser("rules", help="list the rules")
    commands.add_parser(
        "lsp", help="run the language server on stdio (needs flake8-asyncloop[lsp])"
    )
    return parser


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files and directories; - for stdin"
    )
    for flag, help_text in _LIST_FLAGS.items():
        parser.add_argument(f"--{flag}", metavar="LIST", help=help_text)
    for option in OPTION_DEFS:
        parser.add_argument(
            option.flag, dest=option.field, metavar=option.metavar, help=option.help
        )
    parser.add_argument(
        "--stdin-filename", metavar="PATH", help="the name of the file read from stdin (-)"
    )
    parser.add_argument("--config", metavar="FILE", help="read settings from this file only")
    parser.add_argument("--isolated", action="store_true", help="ignore config files")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    parser.add_argument(
        "--jobs", "-j", type=_job_count, metavar="N",
        help="check files in N processes (default: the number of CPUs; 1 runs in this process)",
    )
    parser.add_argument(
        "--no-cache", action="store_true",
        help="neither read nor write the result cache (.flake8-asyncloop_cache/)",
    )


def _job_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the number of processes must be at least 1")
    return value


def _runner_extras(args: argparse.Namespace, config_path: Optional[str]) -> Dict[str, Any]:
    """--jobs and the result cache, as Runner keywords."""
    from flake8_asyncloop.cache import default_location
    from flake8_asyncloop.workers import default_jobs

    jobs = args.jobs if args.jobs is not None else default_jobs()
    cache_dir = None if args.no_cache else default_location(config_path)
    return {"jobs": jobs, "cache_dir": cache_dir}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # usage errors (2), --help and --version (0)
        return exit.code if isinstance(exit.code, int) else USAGE_ERROR
    try:
        if args.command == "explain":
            return _explain(args.code)
        if args.command == "rules":
            return _rules()
        if args.command == "lsp":
            from flake8_asyncloop.lsp import run as run_language_server

            return run_language_server()
        return _run(args)
    except SettingsError as error:
        _error(str(error))
        return USAGE_ERROR
    except BrokenPipeError:  # the reader stopped reading (``| head``): not an error of ours
        _silence_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:  # files are replaced whole, so none is left half-written
        _error("interrupted")
        return INTERRUPTED
    except Exception as error:  # a bug: say so plainly instead of a traceback
        _error(f"internal error: {type(error).__name__}: {error} ({ISSUE_HINT})")
        return USAGE_ERROR


# A parsed file is tens of thousands of objects that live until it is checked, and the checks
# leave little cyclic garbage: collecting every 700 allocations (Python's default) re-walks
# the live tree again and again, about a tenth of a check's time, to free almost nothing.
GC_ALLOCATIONS = 50_000


def _run(args: argparse.Namespace) -> int:
    from flake8_asyncloop.context.discovery import clear_caches, set_files_may_change

    thresholds = gc.get_threshold()
    gc.set_threshold(GC_ALLOCATIONS, *thresholds[1:])
    writes = args.command == "fix" and not args.diff
    clear_caches()  # read afresh what an earlier run in this process may have seen
    files_may_change = set_files_may_change(writes)
    try:
        return _run_files(args)
    finally:  # a caller in the same process (a test, an editor) keeps its own settings
        gc.set_threshold(*thresholds)
        set_files_may_change(files_may_change)


def _run_files(args: argparse.Namespace) -> int:
    from flake8_asyncloop.report import reporter_class
    from flake8_asyncloop.runner import Runner

    settings = resolve(_command_line_values(args), config=args.config, isolated=args.isolated)
    mode = "check" if args.command == "check" else ("diff" if args.diff else "fix")
    if mode != "check" and not _libcst_importable():
        return USAGE_ERROR
    chosen_format = reporter_class(getattr(args, "format", "text"))
    output_file = getattr(args, "output_file", None)
    try:
        out = sys.stdout if output_file is None else _open_output(output_file)
    except OSError as error:
        _error(f"cannot write {output_file}: {error.strerror or error}")
        return USAGE_ERROR
    if mode == "diff" and out is sys.stdout:
        _keep_line_breaks(out)
    try:
        reporter = chosen_format(out, sys.stderr, mode=mode, quiet=args.quiet)
        summary = Runner(settings, **_runner_extras(args, settings.config_path)).run(
            args.paths,
            reporter,
            mode=mode,
            unsafe=getattr(args, "unsafe_fixes", False),
            stdin_name=args.stdin_filename,
        )
    finally:
        if out is not sys.stdout:
            out.close()
    if summary.exit_code == FINDINGS and getattr(args, "exit_zero", False):
        return 0
    return summary.exit_code


def _libcst_importable() -> bool:
    """Whether fixes can be made; if not, says so once, not once per file."""
    try:
        import libcst  # noqa: F401
    except ImportError as error:
        _error(
            f"fix needs libcst, which {sys.executable} cannot import ({error}); install it "
            f"with `{sys.executable} -m pip install libcst`, or run `check`"
        )
        return False
    return True


def _open_output(path: str) -> TextIO:
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    return open(path, "w", encoding="utf-8", newline="")


def _keep_line_breaks(stream: TextIO) -> None:
    """Write ``\r\n`` as it is: a diff of a CRLF file carries the file's own line breaks,
    which Windows' text mode would otherwise turn into ``\r\r\n``."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(newline="")
        except (OSError, ValueError):  # a stream that cannot be changed now stays as it is
            pass


def _command_line_values(args: argparse.Namespace) -> Dict[str, Value]:
    cwd = os.getcwd()
    values: Dict[str, Value] = {}
    for flag in _LIST_FLAGS:
        raw = getattr(args, flag.replace("-", "_"))
        if raw is not None:
            values[flag] = Value(raw, f"--{flag}", cwd)
    for option in OPTION_DEFS:
        raw = getattr(args, option.field)
        if raw is not None:
            values[option.config_key] = Value(raw, option.flag, cwd)
    return values


def _explain(code: str) -> int:
    from flake8_asyncloop.docs import render_rule_markdown
    from flake8_asyncloop.rules import RULES_BY_CODE
    from flake8_asyncloop.runner import SYNTAX_ERROR_CODE

    code = code.strip().upper()
    if code == SYNTAX_ERROR_CODE:
        import platform

        sys.stdout.write(_SYNTAX_ERROR_TEXT.format(version=platform.python_version()))
        return 0
    rule = RULES_BY_CODE.get(code)
    if rule is None:
        _error(f"unknown rule {code!r}; `{PROG} rules` lists the codes")
        return USAGE_ERROR
    sys.stdout.write(render_rule_markdown(rule))
    return 0


_SYNTAX_ERROR_TEXT = """\
# E999: the file does not parse

flake8's code for a file Python cannot parse, reported at the parser's line and column with
its message, as flake8 reports it. Nothing in the file was checked. The file is parsed by the
Python that runs the command (here {version}): code written for a newer Python (`type X =
...`, `class C[T]:`, `except A, B:`) does not parse on an older one, so run the command with
the Python the project targets. `--extend-ignore E999` hides the report; the exit status then
no longer counts it.
"""


def _rules() -> int:
    from flake8_asyncloop.report.text import rules_table
    from flake8_asyncloop.rules import ALL_RULES

    sys.stdout.write(rules_table(ALL_RULES))
    return 0


def _error(message: str) -> None:
    sys.stderr.write(f"{PROG}: error: {message}\n")


def _silence_stdout() -> None:
    """Point stdout at the null device, so the flush at exit cannot fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout replaced by a non-file (in tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
