"""The ground truth is not made with the gateway's code: the modules that decide and write
it import nothing from ``roadsense.edge``, directly or through another module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import roadsense.sim

TRUTH_MODULES = (
    "roadsense.sim.unit_rules",
    "roadsense.sim.ground_truth",
    "roadsense.sim.output",
    "roadsense.sim.drivers",
    "roadsense.sim.rollout",
    "roadsense.sim.calibration",
    "roadsense.sim.faults",
    "roadsense.sim.road_assets",
    "roadsense.sim.pedestrian_rule",
    "roadsense.sim.pedestrians",
    "roadsense.sim.crossings",
    "roadsense.sim.lane_keeping",
    "roadsense.sim.lane_markings",
    "roadsense.sim.conflicts",
)
"""What decides the warnings (the unit's rules and its PCW rule, the drivers, their lateral
motion, the roll-out), plants the signs, potholes, worn markings, faults, GPS outages and
crossings (and the people walking across), reads SUMO's SSM conflicts, and writes the
truth files."""
SIM_DIR = Path(roadsense.sim.__file__).parent


def imported(module: str) -> set[str]:
    """Every module name a module's source imports (at run time or for type checking)."""
    path = SIM_DIR / (module.rsplit(".", 1)[1] + ".py")
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", TRUTH_MODULES)
def test_no_truth_module_imports_the_gateway(module: str) -> None:
    assert not {n for n in imported(module) if n.startswith("roadsense.edge")}


def test_importing_the_truth_modules_loads_no_gateway_code() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in TRUTH_MODULES)
        + "print(sorted(m for m in sys.modules if m.startswith('roadsense.edge')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_the_unit_writes_its_warnings_from_the_rules_module() -> None:
    # the CAN encoder reads the gateway's DBC to put frames on the wire (the gateway path),
    # but the unit takes its warnings from the simulation's own rules
    unit = imported("roadsense.sim.unit")
    assert "roadsense.sim.unit_rules" in unit
    assert not {n for n in unit if n.startswith("roadsense.edge")}
