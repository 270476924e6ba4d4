"""The package's shape: imports point one way, and our top-level names are ours alone."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = {"dramaroom", "agents", "graphs", "memory", "renderers", "evals"}


def test_import_layers_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_no_other_distribution_claims_our_top_level_names() -> None:
    claims: dict[str, list[str]] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name == "dramaroom":
            continue
        top = (dist.read_text("top_level.txt") or "").split()
        files = {str(f).split("/")[0] for f in (dist.files or []) if "/" in str(f)}
        for package in OUR_PACKAGES & (set(top) | files):
            claims.setdefault(package, []).append(name)
    assert claims == {}, f"other installed distributions claim our import names: {claims}"


def test_importing_packages_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import os, sys; before = set(os.listdir('.'));"
        "import dramaroom.cli, graphs.season, agents.llm, memory.bible, renderers.screenplay;"
        "assert set(os.listdir('.')) == before, 'import created files';"
        "assert 'torch' not in sys.modules and 'chromadb' not in sys.modules, 'heavy import at import time'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
