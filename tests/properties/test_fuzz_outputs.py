"""Fuzzing the output side: odd output paths for every command that writes, and broken results
files for `report`.

Each case builds a small world of files in a fresh folder (a regular file, a folder, a FIFO, a
device node, a socket, symbolic links, a read-only or a full mounted folder where the machine
allows mounting), then calls the command line in-process with one of them, or with a generated
path, as an output. The command must exit 0 or 2 (never 1, never a traceback), must leave every
node that is not a regular file as it was, and must not change an existing file without
``--force``. ``benchmarks/fuzz.py --kind outputs`` runs many more examples than the suite.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main

from ..conftest import fill_device, tiny_scenario, write_toml

TARGETS = (
    "missing_parent",
    "new_file",
    "existing_same",
    "existing_other",
    "folder",
    "fifo",
    "char_device",
    "socket",
    "link_to_file",
    "link_dangling",
    "link_to_folder",
    "link_to_fifo",
    "file_as_folder",
    "stdout",
    "long_name",
    "odd_name",
    "read_only_mount",
    "full_mount",
    "empty",
)
COMMANDS = (
    "run --json",
    "run --out",
    "compare --json",
    "sensitivity --json",
    "schema --out",
    "report --html",
    "report --png",
    "sweep --out",
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=8),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@dataclass
class OutputCase:
    command: str
    target: str
    force: bool
    name: str = "out"
    damage: list[tuple[list[Any], Any]] = field(default_factory=list)
    """For report: (key path, junk value) replacements in a real results document."""
    truncate: int | None = None

    @property
    def origin(self) -> str:
        return f"{self.command} -> {self.target}"


output_cases = st.builds(
    OutputCase,
    st.sampled_from(COMMANDS),
    st.sampled_from(TARGETS),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1, max_size=40),
    st.lists(
        st.tuples(
            st.lists(
                st.sampled_from(
                    [
                        "metrics",
                        "center",
                        "segments",
                        "teams",
                        "collectors",
                        "s1",
                        "t1",
                        "kept_rate",
                        "mean",
                        "values",
                        "ci95_low",
                        "series",
                        "daily",
                        "schema",
                        "compliance",
                        "targets",
                        0,
                        1,
                    ]
                ),
                min_size=1,
                max_size=5,
            ),
            JUNK,
        ),
        max_size=3,
    ),
    st.one_of(st.none(), st.integers(0, 4000)),
)


@dataclass
class OutputResult:
    code: int | None = None
    error: str = ""
    traceback: str = ""


_SHARED: dict[str, Any] = {}


def _shared(key: str, make):
    if key not in _SHARED:
        _SHARED[key] = make()
    return _SHARED[key]


def _scenario() -> Path:
    def make():
        d = Path(tempfile.mkdtemp(prefix="collectsim-fuzz-"))
        atexit.register(release_mounts)
        return write_toml(d / "s.toml", tiny_scenario(accounts=500))

    return _shared("scenario", make)


def _results() -> bytes:
    def make():
        out = _scenario().parent / "results.json"
        if not out.exists():
            code, _, err = _call(["run", str(_scenario()), "-r", "2", "-q", "--json", str(out)])
            assert code == 0, err
        return out.read_bytes()

    return _shared("results", make)


def _mount(kind: str) -> Path | None:
    """A tmpfs mounted once per process, read-only or full; None where mounting is not allowed."""

    def make():
        mnt = Path(tempfile.mkdtemp(prefix=f"collectsim-fuzz-{kind}-"))
        opts = "size=64k,ro" if kind == "ro" else "size=64k"
        if subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mnt)], capture_output=True
        ).returncode:
            mnt.rmdir()
            return None
        atexit.register(release_mounts)
        if kind == "full":
            fill_device(mnt / "filler")
        return mnt

    return _shared(f"mount-{kind}", make)


def release_mounts() -> None:
    """Unmount what :func:`_mount` mounted, close the sockets bound as targets and remove the
    process's temporary folders (also at exit; call it where atexit does not run, as in
    multiprocessing workers)."""
    for s in _SHARED.pop("sockets", []):
        s.close()
    for kind in ("ro", "full"):
        mnt = _SHARED.pop(f"mount-{kind}", None)
        if mnt is not None:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
            shutil.rmtree(mnt, ignore_errors=True)
    scenario = _SHARED.pop("scenario", None)
    _SHARED.pop("results", None)
    if scenario is not None:
        shutil.rmtree(scenario.parent, ignore_errors=True)


def _call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _make_target(case: OutputCase, d: Path) -> tuple[str, Path | None]:
    """The path to pass, and the node that must be left alone (not a regular file), if any."""
    regular = d / "regular.json"
    regular.write_text("mine")
    folder = d / "folder"
    folder.mkdir()
    t = case.target
    if t == "missing_parent":
        return str(d / "missing" / case.name), None
    if t in ("new_file", "odd_name"):
        return str(d / (case.name if t == "odd_name" else "new.json")), None
    if t in ("existing_same", "existing_other"):
        return str(regular), None
    if t == "folder":
        return str(folder), folder
    if t == "fifo":
        os.mkfifo(d / "fifo")
        return str(d / "fifo"), d / "fifo"
    if t == "char_device":
        try:
            os.mknod(d / "dev", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            return "/dev/null", Path("/dev/null")
        return str(d / "dev"), d / "dev"
    if t == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(d / "sock"))
        _SHARED.setdefault("sockets", []).append(s)
        return str(d / "sock"), d / "sock"
    if t.startswith("link_"):
        link = d / "link"
        dest = {
            "link_to_file": regular,
            "link_dangling": d / "nowhere",
            "link_to_folder": folder,
            "link_to_fifo": d / "fifo2",
        }[t]
        if t == "link_to_fifo":
            os.mkfifo(dest)
        link.symlink_to(dest)
        return str(link), (dest if t in ("link_to_folder", "link_to_fifo") else None)
    if t == "file_as_folder":
        return str(regular / "x.json"), None
    if t == "stdout":
        return "-", None
    if t == "long_name":
        return str(d / ("n" * 300)), None
    if t in ("read_only_mount", "full_mount"):
        mnt = _mount("ro" if t == "read_only_mount" else "full")
        return (str(mnt / "x.json") if mnt else str(d / "x.json")), None
    return "", None


def _argv(case: OutputCase, target: str, d: Path) -> list[str]:
    scen = str(_scenario())
    force = ["--force"] if case.force else []
    cmd, opt = case.command.split()
    if cmd == "report":
        doc = json.loads(_results())
        for path, value in case.damage:
            node = doc
            for k in path[:-1]:
                node = (
                    node[k]
                    if isinstance(node, dict) and k in node
                    else (
                        node[k] if isinstance(node, list) and isinstance(k, int) and k < len(node) else None
                    )
                )
                if node is None:
                    break
            if isinstance(node, dict):
                node[path[-1]] = value
        data = json.dumps(doc).encode()
        if case.truncate is not None:
            data = data[: case.truncate]
        res = d / "in.json"
        res.write_bytes(data)
        return ["report", str(res), opt, target, *force]
    if cmd == "schema":
        return ["schema", opt, target, *force]
    if cmd == "sweep":
        return ["sweep", scen, "--set", "teams.t1.headcount=1,2", "-r", "1", "-q", opt, target]
    if cmd == "compare":
        return ["compare", scen, "--set-b", "teams.t1.headcount=3", "-r", "2", "-q", opt, target, *force]
    if cmd == "sensitivity":
        return ["sensitivity", scen, "-r", "2", "-q", opt, target, *force]
    return ["run", scen, "-r", "1", "-q", opt, target, *force]


def check_output_case(case: OutputCase) -> OutputResult:
    res = OutputResult()
    os.environ.pop("COLLECTSIM_DEBUG", None)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        try:
            target, special = _make_target(case, d)
            if case.target == "existing_same" and case.command == "schema --out":
                code, out, _ = _call(["schema"])
                Path(target).write_text(out)
            before = os.lstat(special) if special is not None else None
            regular_before = (d / "regular.json").read_bytes()
            argv = _argv(case, target, d)
            with contextlib.chdir(d):  # relative paths ("-" for a folder option, odd names) land here
                code, out, err = _call(argv)
        except BaseException as e:  # noqa: BLE001 - a crash of the command or of the harness
            res.error, res.traceback = f"raised {type(e).__name__}: {e}", traceback.format_exc()
            return res
        res.code = code
        if code not in (0, 2):
            res.error = f"{' '.join(argv[:2])} ... exited {code}: {err.strip()[-400:]}"
        elif "Traceback" in out + err or "This is a bug" in err:
            res.error, res.traceback = "printed a traceback or an internal error", err
        elif code == 2 and not err.strip():
            res.error = "exit 2 without a message"
        elif special is not None and before is not None:
            after = os.lstat(special)
            if (after.st_ino, after.st_mode, after.st_rdev) != (
                before.st_ino,
                before.st_mode,
                before.st_rdev,
            ):
                res.error = f"{special} ({case.target}) was replaced"
        if (
            not res.error
            and not case.force
            and case.command != "sweep --out"
            and (d / "regular.json").read_bytes() != regular_before
        ):
            res.error = "an existing file was changed without --force"
    return res


@settings(
    max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(output_cases)
def test_odd_output_paths_and_broken_results_never_crash(case):
    res = check_output_case(case)
    assert not res.error, f"{case}: {res.error}\n{res.traceback}"


def test_output_harness_detects_a_crash(monkeypatch):
    """The harness must be able to fail: a write that raises is reported with its traceback."""

    def boom(*a, **k):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr("simulator.base.fileio.atomic_write", boom)
    res = check_output_case(OutputCase("run --json", "new_file", False))
    assert res.code == 1 and "exited 1" in res.error
