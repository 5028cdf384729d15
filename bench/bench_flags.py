"""Labelled benchmark for the analysis flags: precision and recall per flag kind, for
synthetic curves and for real logs separately.

Usage:  python bench/bench_flags.py [--shared PATH] [--verbose]

Synthetic families (bench/flag_families.py: known ground truth by construction) across noise
levels; the example runs in runs/; the real logs are every `read` entry of ../shared/realogs/INDEX.tsv and
../shared/realogs2/INDEX.tsv, labelled by hand in bench/labels_real.tsv (with the reason for
each label). Warning-level kinds are the ones the goal (precision and recall >= 0.9, no warning
on a clean run) is about; still_improving and plateau are info. Exit code 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flag_families import Case, synthetic  # noqa: E402

from reportgen.analysis import analyse  # noqa: E402
from reportgen.model import RunData, RunSpec  # noqa: E402

KINDS = (
    "overfitting",
    "underfitting",
    "divergence",
    "instability",
    "got_worse",
    "generalisation_gap",
    "still_improving",
    "plateau",
)

WARNING_KINDS = ("overfitting", "underfitting", "divergence", "instability", "got_worse", "generalisation_gap")
LABELS = Path(__file__).resolve().parent / "labels_real.tsv"


def read_labels(path: Path = LABELS) -> dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]]:
    """(corpus, path) -> (expected kinds, unscored kinds) from labels_real.tsv."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        corpus, rel, expected, unscored, _why = line.split("\t")
        parse = lambda cell: frozenset() if cell == "-" else frozenset(cell.split(","))  # noqa: E731
        out[(corpus, rel)] = (parse(expected), parse(unscored))
    return out




def real_run(root: Path, rel: str) -> RunData | None:
    """A RunData for one real log, roles inferred as a build would; None without a loss."""
    from reportgen.readers import read_log
    from reportgen.readers.run import pick_roles

    log = read_log(root / rel)
    # roles as a build picks them: densest series, component losses summed (YOLO, GAN, ...)
    roles, _notes, derived = pick_roles(dict(log.series), {})
    series = {**log.series, **{d.name: d.series for d in derived}}
    if "train_loss" not in roles and "val_loss" not in roles:
        return None
    return RunData(
        spec=RunSpec(name=rel, path=Path(rel), logs=()),
        series=series,
        roles=roles,
        hparams={},
        sources=(),
        restarts=log.restarts,
        x="epoch" if log.x_is_epoch else "step",
    )


def example_cases(runs_dir: Path) -> list[Case]:
    """Cases for the example runs in runs/, read as a build reads them (manifest included, so
    the declared loss gives its chance level)."""
    from reportgen.manifest.load import load_manifests
    from reportgen.readers.run import read_run

    labels = read_labels()
    cases = []
    for spec in load_manifests(runs_dir).runs:
        expected, unscored = labels[("examples", spec.name)]
        clean = not (expected & set(WARNING_KINDS))
        run = read_run(spec, runs_dir)
        cases.append(Case(spec.name, "examples", run, expected, clean, unscored | {"plateau"}))
    return cases


def real_cases(shared: Path) -> tuple[list[Case], list[str]]:
    """Cases for every labelled `read` entry of both corpora; the rest listed with a reason."""
    from reportgen.errors import ReportgenError

    labels = read_labels()
    cases: list[Case] = []
    skipped: list[str] = []
    for corpus in ("realogs", "realogs2"):
        root = shared / corpus
        for line in (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            rel, _kind, expect = line.split("\t")[:3]
            if expect != "read":
                continue
            try:
                run = real_run(root, rel)
            except ReportgenError as exc:
                skipped.append(f"{corpus}/{rel}: {str(exc)[:80]}")
                continue
            if run is None:
                skipped.append(f"{corpus}/{rel}: no training or validation loss series")
                continue
            if (corpus, rel) not in labels:
                skipped.append(f"{corpus}/{rel}: not labelled")
                continue
            expected, unscored = labels[(corpus, rel)]
            clean = not (expected & set(WARNING_KINDS))
            cases.append(Case(f"{corpus}/{rel}", corpus, run, expected, clean, unscored | {"plateau"}))
    return cases, skipped

# ---- scoring ----------------------------------------------------------------------------------


def score(cases: list[Case], verbose: bool) -> dict[str, tuple[int, int, int]]:
    """(TP, FP, FN) per kind, plus "clean" -> (clean runs, with a warning, with an info flag)."""
    tp = dict.fromkeys(KINDS, 0)
    fp = dict.fromkeys(KINDS, 0)
    fn = dict.fromkeys(KINDS, 0)
    clean_total = clean_warn = clean_info = 0
    for case in cases:
        a = analyse(case.run)
        got = {f.kind for f in a.flags}
        for k in KINDS:
            if k in case.unscored:
                continue
            if k in got and k in case.expected:
                tp[k] += 1
            elif k in got:
                fp[k] += 1
                if verbose:
                    msgs = [f.message for f in a.flags if f.kind == k]
                    print(f"  FP {k:18s} {case.name}: {msgs[0]}")
            elif k in case.expected:
                fn[k] += 1
                if verbose:
                    print(f"  FN {k:18s} {case.name}")
        if case.clean:
            clean_total += 1
            warned = [f for f in a.flags if f.severity in ("error", "warning") and f.kind not in case.unscored]
            clean_warn += bool(warned)
            clean_info += any(f.severity == "info" for f in a.flags)
            if verbose:
                for f in warned:
                    print(f"  CLEAN-WARN {f.kind} {case.name}: {f.message}")
    out = {k: (tp[k], fp[k], fn[k]) for k in KINDS}
    out["clean"] = (clean_total, clean_warn, clean_info)
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def table(results: dict[str, dict[str, tuple[int, int, int]]]) -> str:
    """A Markdown table: per kind, TP/FP/FN, precision and recall for each set of curves."""
    names = list(results)
    head = "| kind | level | " + " | ".join(f"{n} TP/FP/FN | {n} precision | {n} recall" for n in names) + " |"
    rule = "|" + "---|" * (2 + 3 * len(names))
    rows = [head, rule]
    for k in KINDS:
        level = ("error" if k == "divergence" else "warning") if k in WARNING_KINDS else "info"
        cells = []
        for n in names:
            tp, fp, fn = results[n][k]
            cells += [f"{tp}/{fp}/{fn}", _ratio(tp, tp + fp), _ratio(tp, tp + fn)]
        rows.append(f"| {k} | {level} | " + " | ".join(cells) + " |")
    cells = []
    for n in names:
        total, warn, info = results[n]["clean"]
        cells += [f"{total} clean runs", f"{warn} with a warning", f"{info} with an info flag"]
    rows.append("| clean runs | | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1].parent / "shared"
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("REPORTGEN_SHARED", default)),
        help="the folder holding realogs/ and realogs2/ (default ../shared)",
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    syn = synthetic()
    fams: dict[str, int] = {}
    for c in syn:
        fams[c.family] = fams.get(c.family, 0) + 1
    print(f"synthetic curves: {len(syn)} ({', '.join(f'{k} {v}' for k, v in sorted(fams.items()))})")
    results = {"synthetic": score(syn, args.verbose)}
    results["examples"] = score(example_cases(Path(__file__).resolve().parents[1] / "runs"), args.verbose)
    if (args.shared / "realogs").is_dir() and (args.shared / "realogs2").is_dir():
        real, skipped = real_cases(args.shared)
        print(f"real logs: {len(real)} labelled and read; {len(skipped)} not scored:")
        for line in skipped:
            print(f"  {line}")
        results["real"] = score(real, args.verbose)
    else:
        print(f"real logs not found under {args.shared}; synthetic only")
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
