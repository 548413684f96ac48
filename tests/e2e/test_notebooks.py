"""The training notebooks in notebooks/ execute top to bottom (nbclient), each in under a minute
of kernel time; they are stored without outputs. Every claim a notebook makes is a ``check(ok,
claim)`` call computed from its runs (paired comparisons with 95% CIs for "A beats B"): a false
claim raises, and the test counts that every check printed its "checked:" line."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.e2e


def test_the_five_notebooks_exist_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    assert [p.name for p in NOTEBOOKS] == [
        "01_pyramid.ipynb",
        "02_staffing.ipynb",
        "03_case_matching.ipynb",
        "04_dialer_campaign.ipynb",
        "05_champion_challenger.ipynb",
    ]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name}: stored with outputs"
                )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("COLLECTSIM_REPO")
    os.environ["COLLECTSIM_REPO"] = str(ROOT)  # for notebooks that want the repository's files
    try:
        # run from a foreign folder: notebooks must not depend on the working directory
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("COLLECTSIM_REPO", None)
        else:
            os.environ["COLLECTSIM_REPO"] = env_before
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})
    ]
    assert images, f"{path.name} shows no plot"
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"
    ]
    assert not errors, [(e["ename"], e["evalue"]) for e in errors]
    # every stated claim was checked against the runs
    calls = sum(len(re.findall(r"^\s*check\(", c.source, re.M)) for c in nb.cells if c.cell_type == "code")
    printed = [
        line
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("name") == "stdout"
        for line in o["text"].splitlines()
        if line.startswith("checked: ")
    ]
    assert calls >= 4 and len(printed) == calls, (calls, printed)


def test_notebooks_have_no_stale_hedges():
    """No text says a feature is missing or may not exist (notebooks 3 and 4 did)."""
    nbformat = pytest.importorskip("nbformat")
    stale = ("still being added", "not available in this version", "if this version", "newer versions")
    for path in NOTEBOOKS:
        text = " ".join(c.source for c in nbformat.read(path, as_version=4).cells).lower()
        assert not [s for s in stale if s in text], path.name


def test_the_notebooks_extra_installs_what_opening_them_needs():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {re.split(r"[<>=\[ ]", d)[0] for d in extras["notebooks"]}
    assert {"jupyterlab", "ipykernel", "nbclient", "nbformat"} <= names
