"""Do two checkouts give the same results? Every bundled scenario x dialer mode (and a few
predictive pacing and routing variants), run by the checkout at a given commit and by this one.

    python benchmarks/identity.py --against 65a1e72            # byte-identical, or a list of differences
    python benchmarks/identity.py --against HEAD~1 --allow-new  # new keys allowed, changed values not
    python benchmarks/identity.py --against 65a1e72 --cases table_14_1/predictive -r 3

Each case runs ``run_experiment(load_scenario(file, overrides), R, seed)`` in a fresh child
process of each checkout (``PYTHONPATH`` puts the checkout first) and compares the results
documents. Provenance that names the build (``collectsim_version``) is left out; everything else
must be equal, bytes of the canonical JSON included. With ``--allow-new`` keys present only in
this checkout are listed but do not fail the check (a feature that adds metrics); a changed or
missing value always fails. Exit 0 when every case agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODES = ("preview", "progressive", "predictive")
EXTRA_CASES = {
    # predictive pacing and routing paths the plain modes do not reach
    "dialer_modes/predictive-adaptive": (
        "dialer_modes.toml",
        ["dialer.mode=predictive", "dialer.pacing=adaptive"],
    ),
    "dialer_modes/predictive-poisson": (
        "dialer_modes.toml",
        ["dialer.mode=predictive", "dialer.pacing=poisson", "dialer.calls_per_hour=2000"],
    ),
    "dialer_modes/predictive-amd": (
        "dialer_modes.toml",
        ["dialer.mode=predictive", "dialer.amd=true", "dialer.ring_timeout_s=25"],
    ),
    "case_matching/predictive-overflow": (
        "case_matching.toml",
        ["dialer.mode=predictive", 'routing.overflow="overflow"'],
    ),
    "table_14_1/progressive-reminders": ("table_14_1.toml", ["attempts.promise_reminder=true"]),
    "table_14_1/preview-amd": (
        "table_14_1.toml",
        ["dialer.mode=preview", "dialer.amd=true", "dialer.ring_timeout_s=25"],
    ),
}
DROP = ("collectsim_version",)

CHILD = rf"""
import json, sys
from simulator.experiment import run_experiment
from simulator.scenario.load import load_scenario
cases, reps, seed = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = {{}}
for name, (path, sets) in cases.items():
    try:
        loaded = load_scenario(path, sets)
    except Exception as e:  # a scenario this checkout cannot read (newer than it)
        out[name] = {{"unreadable": str(e).splitlines()[0][:200]}}
        continue
    doc = run_experiment(loaded, reps, seed).to_dict()
    for k in {DROP!r}:
        doc.pop(k, None)
    doc["scenario"].pop("source", None)
    out[name] = doc
print(json.dumps(out))
"""


def all_cases() -> dict[str, tuple[str, list[str]]]:
    cases = {}
    for f in sorted((ROOT / "scenarios").glob("*.toml")):
        for m in MODES:
            cases[f"{f.stem}/{m}"] = (f.name, [f"dialer.mode={m}"])
    cases.update(EXTRA_CASES)
    return cases


def start_checkout(src: Path, cases: dict, reps: int, seed: int) -> subprocess.Popen:
    """A child computing the results documents of ``cases`` with the package in ``src`` (scenario
    files from this checkout, so both sides read the same inputs)."""
    resolved = {k: (str(ROOT / "scenarios" / f), s) for k, (f, s) in cases.items()}
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(resolved), str(reps), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=src,
    )


def result_of(proc: subprocess.Popen, src: Path) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"the checkout at {src} failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def differences(a, b, path: str = "") -> tuple[list[str], list[str]]:
    """(changed or missing, new) key paths between documents ``a`` (old) and ``b`` (new)."""
    if isinstance(a, dict) and isinstance(b, dict):
        changed, new = [], []
        for k in a:
            if k not in b:
                changed.append(f"{path}/{k} (missing)")
            else:
                c, n = differences(a[k], b[k], f"{path}/{k}")
                changed += c
                new += n
        new += [f"{path}/{k}" for k in b if k not in a]
        return changed, new
    if a != b or type(a) is not type(b):
        return [f"{path}: {json.dumps(a)[:60]} -> {json.dumps(b)[:60]}"], []
    return [], []


def digest(doc) -> str:
    return hashlib.sha256(json.dumps(doc, indent=1, allow_nan=False).encode()).hexdigest()[:16]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", required=True, metavar="COMMIT", help="git commit (or ref) to compare with")
    ap.add_argument("-r", "--replications", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", help="comma-separated case names (default: all); see --list")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument(
        "--allow-new", action="store_true", help="keys only in this checkout do not fail the check"
    )
    args = ap.parse_args(argv)
    cases = all_cases()
    if args.list:
        print("\n".join(cases))
        return 0
    if args.cases:
        wanted = args.cases.split(",")
        unknown = [c for c in wanted if c not in cases]
        if unknown:
            raise SystemExit(f"unknown case(s): {', '.join(unknown)} (see --list)")
        cases = {k: cases[k] for k in wanted}
    with tempfile.TemporaryDirectory(prefix="collectsim-identity-") as tmp:
        old_src = Path(tmp) / "old"
        old_src.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.against, "simulator"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old_src)], input=archive, check=True)
        # the two checkouts run side by side (one core each)
        old_p = start_checkout(old_src, cases, args.replications, args.seed)
        new_p = start_checkout(ROOT, cases, args.replications, args.seed)
        old, new = result_of(old_p, old_src), result_of(new_p, ROOT)
    failed = 0
    for name in cases:
        if "unreadable" in old[name] and "unreadable" not in new[name]:
            print(f"{name:<40} {'new':<14} (not readable by {args.against}: a newer scenario)")
            continue
        changed, added = differences(old[name], new[name])
        same = digest(old[name]) == digest(new[name])
        ok = same or (not changed and args.allow_new)
        failed += not ok
        status = "identical" if same else ("new keys only" if not changed else "DIFFERENT")
        print(f"{name:<40} {status:<14} {digest(new[name])}")
        for line in changed[:8]:
            print(f"    changed {line}")
        if added:
            print(f"    new     {len(added)} key(s), e.g. {', '.join(added[:4])}")
    print(
        f"{len(cases) - failed} of {len(cases)} cases agree with {args.against} "
        f"({args.replications} replications, seed {args.seed})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
