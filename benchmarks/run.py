"""Benchmark flake8-asyncloop against the floors it should sit on, as ratios.

    python benchmarks/run.py --generate 2000            # a generated pytest-asyncio suite
    python benchmarks/run.py \
--corpus "$(python -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
    python benchmarks/run.py --generate 500,1000,2000 --only check   # linearity

Every figure is the median of --runs whole-process runs (CPU seconds of the child, which a
busy machine disturbs less than wall time; wall time is printed too). The commands compared
in a ratio take turns run by run (floor, check and fix --diff; flake8 with and without the
plugin), so that a slow minute falls on both sides. Measures that need a
feature the installed command lacks are reported as skipped.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
PY = sys.executable


def run_once(command: Sequence[str], cwd: Path) -> Tuple[float, float, int, int]:
    """(cpu seconds, wall seconds, peak RSS in KiB, exit code) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def measure(command: Sequence[str], cwd: Path, runs: int, before=None) -> Dict[str, float]:
    return measure_alternating([command], cwd, runs, before)[0]


def measure_alternating(
    commands: Sequence[Sequence[str]], cwd: Path, runs: int, before=None
) -> List[Dict[str, float]]:
    """Medians of ``runs`` runs of each command, the commands taking turns (a, b, a, b, ...):
    this machine's speed drifts over minutes, and a slow minute then falls on all of them."""
    samples: List[Dict[str, List[float]]] = [{"cpu": [], "wall": [], "rss": []} for _ in commands]
    for _ in range(runs):
        for command, sample in zip(commands, samples):
            if before:
                before()
            c, w, r, code = run_once(command, cwd)
            # 2: some files could not be read (the standard library's test data has a few)
            if code not in (0, 1, 2):
                raise SystemExit(f"{' '.join(command)} exited {code}")
            sample["cpu"].append(c)
            sample["wall"].append(w)
            sample["rss"].append(r)
    return [
        {
            "cpu": statistics.median(sample["cpu"]),
            "wall": statistics.median(sample["wall"]),
            "rss_mib": max(sample["rss"]) / 1024,
        }
        for sample in samples
    ]


def flake8_in_situ(corpus: Path, flake8_args: Sequence[str], runs: int) -> Tuple[float, float]:
    """Medians of the plugin's seconds and flake8's own ``ast.parse`` seconds, both timed
    inside one flake8 process (``flake8_in_situ.py``)."""
    plugins: List[float] = []
    parses: List[float] = []
    for _ in range(runs):
        done = subprocess.run(
            [PY, str(HERE / "flake8_in_situ.py"), *flake8_args],
            cwd=corpus, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        words = done.stderr.strip().splitlines()[-1].split()
        if words[:2] != ["in-situ", "plugin"]:
            raise SystemExit(f"flake8_in_situ.py printed no timing: {done.stderr[-500:]}")
        plugins.append(float(words[2]))
        parses.append(float(words[6]))
    return statistics.median(plugins), statistics.median(parses)


def command_supports(flag: str) -> bool:
    result = subprocess.run(
        [PY, "-m", "flake8_asyncloop", "check", "--help"], capture_output=True, text=True
    )
    return flag in result.stdout


def in_process_plugin_cost(corpus: Path) -> Tuple[int, int, float, float]:
    """(files, lines, ast.parse seconds, plugin seconds) measured file by file in this process."""
    sys.path.insert(0, str(HERE))
    from floor import python_files

    from flake8_asyncloop.context.discovery import clear_caches, set_files_may_change
    from flake8_asyncloop.plugin import AsyncLoopChecker

    # As flake8 sets the plugin up (``AsyncLoopChecker.parse_options``): a run that only
    # reads reads each config and conftest.py once.
    clear_caches()
    set_files_may_change(False)
    parse_time = plugin_time = 0.0
    files = lines = 0
    for path in python_files([str(corpus)]):
        try:
            with tokenize.open(path) as handle:
                source = handle.read()
            start = time.perf_counter()
            tree = ast.parse(source)
            parsed = time.perf_counter()
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        text_lines = source.splitlines(True)
        start_plugin = time.perf_counter()
        for _ in AsyncLoopChecker(tree, path, text_lines).run():
            pass
        plugin_time += time.perf_counter() - start_plugin
        parse_time += parsed - start
        files += 1
        lines += len(text_lines)
    return files, lines, parse_time, plugin_time


def report(
    label: str, numerator: Dict[str, float], denominator: Dict[str, float], target: str
) -> None:
    ratio = numerator["cpu"] / denominator["cpu"] if denominator["cpu"] else float("nan")
    print(
        f"{label:<44} {numerator['cpu']:7.2f}s cpu / {denominator['cpu']:7.2f}s cpu = {ratio:5.2f}x"
        f"   (wall {numerator['wall']:.2f}s / {denominator['wall']:.2f}s; target {target})"
    )


def bench_corpus(corpus: Path, runs: int, only: Optional[str]) -> None:
    print(f"\n== corpus {corpus}")
    files, lines, parse_time, plugin_time = in_process_plugin_cost(corpus)
    print(f"{files} files, {lines} lines")
    if not files:
        print("no Python file that parses: nothing to measure (symbolic links are not followed)")
        return
    print(
        f"{'plugin in-process vs ast.parse':<44} {plugin_time:7.2f}s / {parse_time:7.2f}s = "
        f"{plugin_time / parse_time:5.2f}x   (target <= 1.0x on async suites,"
        " <= 0.25x on the stdlib)"
    )
    target = [str(corpus)]
    cache_flag = ["--no-cache"] if command_supports("--no-cache") else []
    jobs_flag = ["--jobs", "1"] if command_supports("--jobs") else []
    floor_command = [PY, str(HERE / "floor.py"), *target]
    check_command = [PY, "-m", "flake8_asyncloop", "check", *jobs_flag, *cache_flag, *target]
    fix_command = [PY, "-m", "flake8_asyncloop", "fix", "--diff", *jobs_flag, *cache_flag, *target]
    two_command = [PY, "-m", "flake8_asyncloop", "check", "--jobs", "2", *cache_flag, *target]
    if only == "check":
        floor, check = measure_alternating([floor_command, check_command], corpus, runs)
    else:
        commands = [floor_command, check_command, fix_command]
        if jobs_flag:
            commands.append(two_command)
        floor, check, fix, *two_or_none = measure_alternating(commands, corpus, runs)
    report("check --jobs 1 vs parse+walk floor", check, floor, "<= 1.5x")
    print(
        f"{'peak memory of check':<44} {check['rss_mib']:7.1f} MiB for {lines} lines"
        f" (target < 200 MiB on a million lines; time and memory should grow linearly)"
    )
    if only == "check":
        return
    flake8_args = ["--select=ALP", "--jobs=1", "--isolated", *target]
    with_plugin, without = measure_alternating(
        [
            [PY, "-m", "flake8", *flake8_args],
            [PY, str(HERE / "flake8_without_plugin.py"), *flake8_args],
        ],
        corpus,
        runs,
    )
    report("flake8 with plugin vs without", with_plugin, without, "report")
    added = {k: with_plugin[k] - without[k] for k in ("cpu", "wall")}
    parse_only = {"cpu": parse_time, "wall": parse_time}
    report(
        "  plugin's added cost vs ast.parse", added, parse_only, "<= 1.0x async, <= 0.25x stdlib"
    )
    plugin, parse = flake8_in_situ(corpus, flake8_args, runs)
    print(
        f"{'  same, timed inside flake8 (median)':<44} {plugin:7.2f}s / {parse:7.2f}s"
        f" = {plugin / parse:5.2f}x (the plugin's run() / flake8's own ast.parse, file by file)"
    )
    report("fix --diff vs check", fix, check, "<= 1.3x")
    if two_or_none:
        (two,) = two_or_none
        speedup = check["wall"] / two["wall"]
        print(
            f"{'check --jobs 2 speed-up (wall)':<44} {check['wall']:7.2f}s / {two['wall']:7.2f}s"
            f" = {speedup:5.2f}x (target >= 1.6x; cpu {two['cpu']:.2f}s)"
        )
    else:
        print("check --jobs: skipped (the command has no --jobs option)")
    if cache_flag:
        # The cache goes in the working directory (there is no config file): a scratch one,
        # so that benchmarking a directory such as the stdlib writes nothing into it.
        workdir = Path(tempfile.mkdtemp(prefix="asyncloop-cache-"))
        cache_dir = workdir / ".flake8-asyncloop_cache"
        try:
            cached = [PY, "-m", "flake8_asyncloop", "check", *jobs_flag, *target]
            cold = measure(cached, workdir, runs,
                           before=lambda: shutil.rmtree(cache_dir, ignore_errors=True))
            warm = measure(cached, workdir, runs)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        report("warm re-run vs cold run (--jobs 1)", warm, cold, "<= 0.10x")
    else:
        print("warm vs cold: skipped (the command has no result cache)")


def compile_the_tool() -> None:
    """Measure the tool as installed: with its bytecode written, which ``pip install`` does
    and an environment with ``PYTHONDONTWRITEBYTECODE`` set (or an editable checkout) may
    not have done. Otherwise every run compiles the package again (about 70 ms here)."""
    import compileall

    import flake8_asyncloop

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for the children too
    compileall.compile_dir(os.path.dirname(flake8_asyncloop.__file__), quiet=2)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", action="append", type=Path, default=[], help="a directory to benchmark"
    )
    parser.add_argument(
        "--generate", default="", help="generate suites of these module counts (comma-separated)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["check"], help="measure only check against the floor")
    args = parser.parse_args()
    compile_the_tool()
    corpora = list(args.corpus)
    scratch = Path(tempfile.mkdtemp(prefix="asyncloop-bench-"))
    try:
        sys.path.insert(0, str(HERE))
        from generate_corpus import write_corpus

        for size in filter(None, args.generate.split(",")):
            target = scratch / f"suite-{size}"
            write_corpus(target, int(size), seed=1, broken_percent=3.0)
            corpora.append(target)
        if not corpora:
            parser.error("give --corpus DIR or --generate N")
        for corpus in corpora:
            bench_corpus(corpus, args.runs, args.only)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
