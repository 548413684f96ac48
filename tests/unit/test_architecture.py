"""The architecture as tests: the import-linter layers, no import cycles (type-only imports
included), no module over 450 lines, only the package's entry
files loose under simulator/, and the ruff style."""

import subprocess
import sys

import grimp
import pytest

from ..conftest import ROOT

MAX_LINES = 450


def test_import_linter_contracts_are_kept():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0, (
        "lint-imports found a broken contract (run lint-imports to see which import)"
    )


def import_cycles(graph) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(comp)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for m in sorted(graph.modules):
            if m not in index:
                visit(m)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def test_cycle_finder_finds_a_type_only_cycle():
    g = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c"):
        g.add_module(m)
    g.add_import(importer="p.a", imported="p.b")
    g.add_import(importer="p.b", imported="p.a")  # e.g. under TYPE_CHECKING
    g.add_import(importer="p.c", imported="p.a")
    assert import_cycles(g) == [{"p.a", "p.b"}]


def test_no_import_cycles_type_only_imports_included():
    graph = grimp.build_graph("simulator", exclude_type_checking_imports=False)
    assert len(graph.modules) > 40
    cycles = import_cycles(graph)
    assert cycles == [], f"import cycles among simulator modules: {[sorted(c) for c in cycles]}"


LOOSE_FILES = {"__init__.py", "__main__.py", "_version.py"}
STYLE_CHECKED = ("simulator", "tests", "benchmarks")


def test_only_the_entry_files_are_loose_under_the_package():
    loose = {p.name for p in (ROOT / "simulator").glob("*.py")}
    assert loose == LOOSE_FILES, f"modules outside a layer folder: {sorted(loose - LOOSE_FILES)}"


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *STYLE_CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"ruff {' '.join(command)}:\n{done.stdout}{done.stderr}"


def test_no_module_over_450_lines():
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in (ROOT / "simulator").rglob("*.py")
    }
    assert len(sizes) > 40
    over = {p: n for p, n in sizes.items() if n > MAX_LINES}
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"


@pytest.mark.slow
def test_cli_parser_leaves_heavy_libraries_unloaded():
    """Every command builds the whole parser first; scipy.stats and scipy.optimize (about 0.5 s)
    load only when a command fits or tests something, and pyplot only when it plots."""
    import subprocess

    heavy = ("scipy.stats", "scipy.optimize", "matplotlib.pyplot")
    probe = (
        "import sys, simulator.cli; simulator.cli.build_parser(); "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "", f"building the collectsim parser loaded {done.stdout.strip()}"
    calibrate = subprocess.run(
        [
            sys.executable,
            "-c",
            "from simulator.calibrate import calibrate, CalibrationDataError, read_trace; print('ok')",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert calibrate.stdout.strip() == "ok"
