"""The landing contract stands alone: a real export can replace the simulator without dragging it along."""

import ast
from pathlib import Path

LANDING = Path(__file__).resolve().parents[2] / "landing"
# duckdb: the key check across every landed file runs out of core (landing/quarantine.py).
ALLOWED = {"landing", "pandera", "pyarrow", "pandas", "numpy", "duckdb"}
# The platform's shared vocabulary (standard library only) is not another layer.
SHARED = {"wealthpulse.domain"}


def _imports(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name for alias in node.names if alias.name not in SHARED}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module not in SHARED:
            roots.add(node.module)
    roots = {name.split(".")[0] for name in roots}
    return roots


def test_landing_imports_no_other_layer():
    import sys

    for path in sorted(LANDING.glob("*.py")):
        foreign = {name for name in _imports(path) - ALLOWED if name not in sys.stdlib_module_names}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_simulator_writes_the_contracts_tables_and_codes():
    from landing import codes, schema
    from simulator import codes as sim_codes
    from simulator import schema as sim_schema

    assert sim_schema.SCHEMAS is schema.SCHEMAS
    assert sim_codes.NEEDS is codes.NEEDS and sim_codes.EVENT_TYPES is codes.EVENT_TYPES
