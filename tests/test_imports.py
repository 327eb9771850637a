"""`import scaling` and `scaling --help` stay light, and imports point one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

HEAVY = ("pymc", "pytensor", "arviz", "matplotlib")
PKG = Path(__file__).resolve().parent.parent / "scaling"


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_import_scaling_is_light():
    assert _loaded_after("import scaling, scaling.datasets") == []


def test_light_public_modules_stay_light():
    mods = [m for m in ("cost", "laws", "fitting", "sizing", "hardware", "capability", "forecast", "plot", "seed",
                        "sunyan2023", "pipeline")
            if (PKG / f"{m}.py").exists() or (PKG / m / "__init__.py").exists()]
    code = "\n".join(f"import scaling.{m}" for m in mods)
    assert _loaded_after(code) == []


def test_cli_help_is_light():
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom scaling.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\nassert r.exit_code == 0, r.output"
    )
    assert _loaded_after(code) == []


def _imports_of(path: Path) -> set[str]:
    """Top-level ``scaling`` modules that ``path`` imports (relative imports resolved)."""
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    package = parts if path.name == "__init__.py" else parts[:-1]
    if package and package[-1] == "__init__":
        package = package[:-1]
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                names.append(".".join(base + ([node.module] if node.module else [])))
                if not node.module:  # from . import x
                    names += [".".join(base + [a.name]) for a in node.names]
            elif node.module:
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        for name in names:
            bits = name.split(".")
            if bits[0] == "scaling" and len(bits) > 1:
                found.add(bits[1])
    return found


# Lower layers must never import higher ones (docs/architecture.md): foundations at the bottom,
# cli on top. Every module of the package is ranked; a new module must be added here.
LAYERS = ["errors", "_io", "_format", "_progress", "_workers", "optim", "_checks", "_flops", "_dates", "_style", "paths", "results", "result_base",
          "_tables", "datasets", "laws", "objective", "runs", "fit_starts", "fit_result", "fitting", "groups", "library", "bayes", "compare_result", "compare",
          "cost", "sunyan2023", "seed", "budget", "sweep", "sizing", "prediction", "hardware", "capability", "plot", "forecast", "pipeline", "cli", "__main__"]
# Lazy dispatches inside a function, documented in docs/architecture.md: fit(method="bayes")
# and fit(groups=...) call the higher layer that does that fit; the deprecated compare.plot_compare
# and CompareResult.figure forward to scaling.plot (for one release), the latter through compare.
LAZY_UP = {("fitting", "bayes"), ("fitting", "groups"), ("compare", "plot"), ("compare_result", "compare")}


def test_every_module_is_ranked():
    mods = {p.stem if p.parent == PKG else p.relative_to(PKG).parts[0] for p in PKG.rglob("*.py")}
    assert mods - {"__init__"} <= set(LAYERS), sorted(mods - {"__init__"} - set(LAYERS))


def _module_of(path: Path) -> str:
    rel = path.relative_to(PKG).parts
    return rel[0] if len(rel) > 1 else path.stem


def import_graph() -> dict[str, set[str]]:
    """Top-level module (or subpackage) -> the package's modules it imports, at any depth
    (function-level imports count), without itself."""
    graph: dict[str, set[str]] = {}
    for path in PKG.rglob("*.py"):
        me = _module_of(path)
        graph.setdefault(me, set()).update(d for d in _imports_of(path) if d != me)
    return graph


def test_imports_point_one_way():
    rank = {name: i for i, name in enumerate(LAYERS)}
    for path in PKG.rglob("*.py"):
        me = _module_of(path)
        if me not in rank:
            continue
        for dep in _imports_of(path):
            if dep in rank and dep != me:
                assert rank[dep] <= rank[me] or (me, dep) in LAZY_UP, (
                    f"scaling/{path.relative_to(PKG)} imports scaling.{dep}, a higher layer"
                )


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (a list of nodes, first = last), or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle():
    """Without the documented lazy dispatches (LAZY_UP), the package's imports form no cycle,
    counting imports inside functions too (issue 19: fitting -> bayes -> fitting)."""
    graph = {me: {d for d in deps if (me, d) not in LAZY_UP} for me, deps in import_graph().items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_cycle_check_can_fail():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    # the shipped graph with the lazy dispatches has the cycles they make (while they exist)
    graph = import_graph()
    if any(b in graph.get(a, ()) and a in graph.get(b, ()) for a, b in LAZY_UP):
        assert _cycle(graph) is not None


# Sizing from the shell answers within 0.5 s (issue 13; benchmarks/bench_sizing.py), which leaves no
# room for pandas (~0.5 s to import) or scipy.optimize (~0.7 s): a query computes on arrays and
# prints from them. Every kind of query, in one process (modules stay loaded, so any of them counts).
SIZING_QUERIES = [
    ["--compute", "2e24"],
    ["--json", "--compute", "5.76e23"],
    ["--loss", "2.0"],
    ["--target", "gpt3"],
    ["--law", "hoffmann2022", "--compute", "1e24"],
    ["--law", "kaplan2020", "--compute", "1e24"],
    ["--law", "muennighoff2023", "--compute", "1e22", "--unique-tokens", "25e9"],
    ["--hardware", "h100", "--chips", "1000", "--days", "30", "--mfu", "0.4"],
    ["--hardware", "h100", "--usd", "2e6", "--price-date", "2024-06-01"],
    ["--compute", "1e24", "--inference-tokens", "1e13"],
    ["--loss", "2.0", "--inference-tokens", "2e12", "--hardware", "h100", "--inference-hardware", "a100"],
]
NOT_FOR_SIZING = ("pandas", "scipy.optimize", "pyarrow", *HEAVY)


def test_sizing_queries_import_neither_pandas_nor_scipy():
    probe = (
        "import sys\nfrom scaling.cli import main\n"
        f"for args in {SIZING_QUERIES!r}:\n"
        "    try:\n"
        "        main(['optimal', *args], prog_name='scaling')\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (args, exc.code)\n"
        f"print('LOADED', ' '.join(m for m in {NOT_FOR_SIZING!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PKG.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = next(line for line in out.stdout.splitlines() if line.startswith("LOADED")).split()[1:]
    assert loaded == [], f"a sizing query imported {loaded}"


def test_sizing_check_would_see_pandas():
    """The probe above can fail: reading a fit's draws as a DataFrame does import pandas."""
    probe = ("import sys\nfrom scaling import fitting\nfrom scaling.paths import default_fit_path\n"
             "fit = fitting.load_fit(default_fit_path('chinchilla_lsq.json')[0])\n"
             "before = 'pandas' in sys.modules\n"
             "fit.draws\nprint(before, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PKG.parent, check=True)
    assert out.stdout.split() == ["False", "True"]


# Issue 19: small modules along their seams. A module over 600 lines or a function over 100 lines is
# a sign that it does more than one thing; split it where it separates, not into pieces that only
# make sense together.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100


def test_no_module_above_600_lines_and_no_function_above_100():
    too_long = []
    for path in sorted(PKG.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(PKG.parent)
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"{rel}:{node.lineno} {node.name}(): {n} lines")
    assert not too_long, "\n".join(too_long)
