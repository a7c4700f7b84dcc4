"""The ``flake8-asyncloop`` command: check, fix, explain, rules. Parsing and dispatch only.

Exit status: 0 clean, 1 findings (or, for ``fix --diff``, changes to make), 2 usage errors,
files that could not be read or written, and internal errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, Optional, Sequence

from flake8_asyncloop import __version__
from flake8_asyncloop.option_defs import OPTION_DEFS
from flake8_asyncloop.settings import SettingsError, Value, resolve

PROG = "flake8-asyncloop"
ISSUE_HINT = "please report this at the project's issue tracker"
USAGE_ERROR = 2

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

    fix = commands.add_parser("fix", help="apply the fixes, then report what remains")
    _add_run_arguments(fix)
    fix.add_argument("--diff", action="store_true", help="print the changes; write nothing")
    fix.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply fixes that may change an outcome"
    )

    explain = commands.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", metavar="CODE", help="a rule code such as ALP101")

    commands.add_parser("rules", help="list the rules")
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
        return _run(args)
    except SettingsError as error:
        _error(str(error))
        return USAGE_ERROR
    except Exception as error:  # a bug: say so plainly instead of a traceback
        _error(f"internal error: {type(error).__name__}: {error} ({ISSUE_HINT})")
        return USAGE_ERROR


def _run(args: argparse.Namespace) -> int:
    from flake8_asyncloop.report.text import TextReporter
    from flake8_asyncloop.runner import Runner

    settings = resolve(_command_line_values(args), config=args.config, isolated=args.isolated)
    mode = "check" if args.command == "check" else ("diff" if args.diff else "fix")
    reporter = TextReporter(sys.stdout, sys.stderr, mode=mode, quiet=args.quiet)
    summary = Runner(settings).run(
        args.paths,
        reporter,
        mode=mode,
        unsafe=getattr(args, "unsafe_fixes", False),
        stdin_name=args.stdin_filename,
    )
    return summary.exit_code


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

    rule = RULES_BY_CODE.get(code.strip().upper())
    if rule is None:
        _error(f"unknown rule {code!r}; `{PROG} rules` lists the codes")
        return USAGE_ERROR
    sys.stdout.write(render_rule_markdown(rule))
    return 0


def _rules() -> int:
    from flake8_asyncloop.report.text import rules_table
    from flake8_asyncloop.rules import ALL_RULES

    sys.stdout.write(rules_table(ALL_RULES))
    return 0


def _error(message: str) -> None:
    sys.stderr.write(f"{PROG}: error: {message}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
