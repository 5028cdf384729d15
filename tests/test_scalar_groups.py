"""Grouping of logged scalars (analysis/scalar_groups.py) on names from the real-log corpora in
../shared/realogs and realogs2, and, on every real log, that each series is drawn at most once and
every drawable series is drawn or named on the page."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from analysis_factories import run_from_log
from conftest import REALOGS, REALOGS2, realogs2_dir, realogs_dir

from reportgen.analysis import analyse
from reportgen.analysis.scalar_groups import is_counter, is_learning_rate, scalar_group
from reportgen.figures.plan import plan_run_figures
from reportgen.figures.plan_loss_components import plan_components_figure
from reportgen.figures.plan_scalars import plan_scalars
from reportgen.readers import read_log

# Real names (every one is checked to occur in the corpora below) and the group a reader expects.
EXPECTED = {
    "losses": ["loss_box_reg", "loss_rpn_cls", "train/box_loss", "val/dfl_loss", "tr_ls_classifier",
               "val_ls_rpn_box_reg", "train_gen_loss", "test_loss_giou_2_unscaled", "val_perplexity",
               "train_perplexity_step", "eval_g3_loss", "loss_vfl_dn_0"],
    "accuracy": ["accuracy/top5", "bbox/AP50", "bbox/APl", "coco/bbox_mAP_50", "metrics/mAP50-95(B)",
                 "metrics/precision(B)", "eval_rougeLsum", "eval_wer", "val_P@1", "val_nDCG@3", "val_Hits@10",
                 "val_macro_F1", "val_micro_AUROC", "eval_matthews_correlation", "fast_rcnn/false_negative",
                 "train_class_error", "test_bacc", "val_MRR", "val_LRAP", "val_chrf", "mean_token_accuracy"],
    "optimisation": ["lr", "lr-Adam", "lr-AdamW", "lr/pg0", "x/lr2", "train/learning_rate", "train_lr",
                     "base_lr", "grad_norm", "train/grad_norm", "clip"],
    "system": ["data_time", "eta_seconds", "time", "eval_runtime", "eval/samples_per_second",
               "eval_g1_steps_per_second", "global_step/sec", "memory", "val/time_per_iter", "epoch_time",
               "time_this_iter_s", "warmup_time", "num_tokens", "predict_runtime"],
    "other": ["hp_metric", "roi_head/num_fg_samples", "rpn/num_pos_anchors", "layer1/weights/summaries/mean",
              "dropout/dropout_keep_probability", "eval_gen_len", "n_parameters", "val_total_docs"],
}
COUNTERS = ["epoch", "train/epoch", "epoch_num", "training_iteration", "timestamp", "time_total_s", "done"]


def _corpus_files() -> list[Path]:
    """Every log the corpora index as readable (`read`) or as several runs in one file (`multi`)."""
    files = []
    for root in (REALOGS, REALOGS2):
        index = root / "INDEX.tsv"
        if not index.is_file():
            continue
        for line in index.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            path, _kind, expect = line.split("\t")[:3]
            if expect in ("read", "multi"):
                files.append(root / path)
    return files


def _need_corpora() -> None:
    realogs_dir()  # each fails in CI, skips elsewhere, when its corpus is missing
    realogs2_dir()


def _corpus_names() -> set[str]:
    names: set[str] = set()
    for path in _corpus_files():
        names.update(read_log(path).series)
    return names


def test_real_names_fall_into_the_groups_a_reader_expects() -> None:
    _need_corpora()
    logged = _corpus_names()
    listed = [n for names in EXPECTED.values() for n in names] + COUNTERS
    assert sorted(set(listed) - logged) == []  # the table holds real names only
    got = {group: [n for n in names if scalar_group(n) != group] for group, names in EXPECTED.items()}
    assert got == {group: [] for group in EXPECTED}, {n: scalar_group(n) for ns in got.values() for n in ns}
    assert [n for n in COUNTERS if not is_counter(n)] == []
    assert not any(is_counter(n) for names in EXPECTED.values() for n in names)
    lrs = sorted(n for n in logged if is_learning_rate(n))
    assert lrs == ["base_lr", "learning_rate", "lr", "lr-Adam", "lr-AdamW", "lr/pg0", "lr/pg1", "lr/pg2",
                   "train/learning_rate", "train_lr", "x/lr0", "x/lr1", "x/lr2"]


def test_a_role_decides_before_the_name() -> None:
    assert scalar_group("LearningRate", "learning_rate") == "optimisation"
    assert scalar_group("Loss/train", "train_loss") == "losses"
    assert scalar_group("epoch_accuracy", "train_acc") == "accuracy"
    # the system rule comes first: an evaluation's runtime is not an evaluation metric
    assert scalar_group("eval_runtime") == "system" and scalar_group("loss_scale") == "optimisation"


_LABEL = re.compile(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)$")


def _drawn(figures) -> list[str]:
    """Series names each figure plots: small-multiple panel titles, learning-rate lines, and the
    names in parentheses of loss and accuracy labels (`train (loss)`), parts of loss sums."""
    names = []
    for fig in figures:
        if fig.name.startswith("scalars-"):
            names += [p.title for p in fig.panels]
        elif fig.name in ("loss", "accuracy"):
            for i, panel in enumerate(fig.panels):
                for line in panel.lines:
                    if line.label:
                        names.append(line.label if i == 1 else _LABEL.search(line.label).group(1))
            for band in fig.panels[0].bands:
                assert band.label is None
        elif fig.name == "components":
            names += [ln.label.removesuffix(" (sum)") for p in fig.panels for ln in p.lines]
    return names


def test_every_real_log_draws_each_series_at_most_once_and_names_the_rest() -> None:
    _need_corpora()
    checked = 0
    for path in _corpus_files():
        try:
            run = run_from_log(path)
        except Exception:  # noqa: BLE001 - a log a run cannot be built from (no loss) is not this test's
            continue
        figures = plan_run_figures(run, analyse(run))
        parts = plan_components_figure(run)
        drawn = _drawn(figures + ([parts] if parts else []))
        assert len(drawn) == len(set(drawn)), (path.name, sorted(n for n in drawn if drawn.count(n) > 1))
        plan = plan_scalars(run)
        named = set(drawn) | set(plan.constant) | set(plan.too_few) | set(plan.counters)
        named |= {n for names in plan.beyond_cap.values() for n in names}
        loss = next(f for f in figures if f.name == "loss")
        # a schedule is drawn under the loss, or (constant) its value is said in the alt text
        assert all(n in drawn or f"{n} = " in loss.alt for n in plan.schedule), path.name
        named |= set(plan.schedule)
        missing = [n for n, s in run.series.items() if n not in named and np.isfinite(s.values).sum() >= 2]
        assert missing == [], path.name
        checked += 1
    assert checked >= 60
