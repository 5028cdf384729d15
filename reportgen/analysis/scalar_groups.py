"""Which group a logged scalar belongs to, from its name and role: losses, accuracy-like metrics
(accuracy, F1, AP, ROUGE, error rates, MAE), optimisation (learning rate, gradient norm,
momentum), system (time, throughput, memory), or other.

The rules are tried in the order of `scalar_group`; the first that matches decides. System comes
first because its names often carry a split prefix (`eval_runtime`, `val/time_per_iter`) that
would otherwise read as a metric; optimisation before losses so AMP's `loss_scale` is not a loss.
Names are matched by their tokens (lower case, split on anything that is not a letter or digit),
so `lr` matches `lr-Adam` and `x/lr0` but not `clr_decay`. docs/figures.md shows these rules;
tests/test_scalar_groups.py pins them on the names of the real-log corpus.

Pure: names in, group names out. figures/plan_scalars.py draws the groups; analysis/pace.py finds
the training throughput among them.
"""

from __future__ import annotations

import re

# (key, heading) in page order
GROUPS: tuple[tuple[str, str], ...] = (
    ("losses", "Losses"),
    ("accuracy", "Accuracy and other quality metrics"),
    ("optimisation", "Optimisation"),
    ("system", "System"),
    ("other", "Other"),
)
GROUP_TITLES = dict(GROUPS)

_ROLE_GROUPS = {
    "train_loss": "losses",
    "train_loss_epoch": "losses",
    "val_loss": "losses",
    "test_loss": "losses",
    "train_acc": "accuracy",
    "val_acc": "accuracy",
    "learning_rate": "optimisation",
}

# Whole names that count positions, not training: drawn against the step they would be a
# straight line, so they are listed, not drawn.
COUNTERS = frozenset(
    {
        "epoch", "epochs", "epoch_num", "step", "steps", "global_step", "iteration", "iter",
        "train_epoch", "training_iteration", "timestamp", "pid", "done", "iterations_since_restore",
        "timesteps_since_restore", "time_since_restore", "time_total_s", "walltime", "wall_time",
    }
)

_SYSTEM = re.compile(
    r"(^|_)(time|times|runtime|seconds|sec|secs|eta|memory|mem|gpu|cpu|util|flos|throughput|"
    r"fps|tokens_seen|num_tokens|num_input_tokens_seen)(_|$)|per_(second|sec|s)(_|$)|(^|_)(it|its)_s(_|$)"
)
_LEARNING_RATE = re.compile(r"(^|_)(lr|lr\d+|learning_rate|learningrate|base_lr)(_|$)")
_OPTIMISATION = re.compile(
    r"(^|_)(grad|grads|gradient|gradients|grad_norm|gradnorm|norm|momentum|beta\d?|weight_decay|wd|"
    r"loss_scale|clip|warmup|ema_decay)(_|$)|grad_?norm"
)
_LOSS = re.compile(r"loss|cross_?entropy|xent|(^|_)(nll|ls|perplexity|ppl)(_|$)")
_ACCURACY = re.compile(
    r"acc|precision|recall|auroc|rouge|bleu|chrf|matthews|ndcg|error|false_(positive|negative)|"
    r"true_(positive|negative)|correlation|(^|_)(top\d+|f1|f1_\w+|auc|ap|ap\d+|ap[lms]|map|map\d+|"
    r"iou|miou|dice|wer|cer|mrr|hits|lrap|mcc|r2|em|exact_match|score|p|mae|mse|rmse|mape|smape)(_|$)"
)


def tokens(name: str) -> str:
    """The name in lower case with every run of non-alphanumerics as one `_`: `lr-Adam` ->
    `lr_adam`, `metrics/mAP50-95(B)` -> `metrics_map50_95_b`, `val_P@1` -> `val_p_1`."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def is_learning_rate(name: str) -> bool:
    """True for a learning-rate series: `lr`, `learning_rate`, `lr-Adam`, `lr/pg0`, `x/lr0`."""
    return bool(_LEARNING_RATE.search(tokens(name)))


def is_counter(name: str) -> bool:
    """True for a series that counts positions (epoch, step, timestamp): not worth a panel."""
    return tokens(name) in COUNTERS or name.lower().strip() in COUNTERS


def scalar_group(name: str, role: str | None = None) -> str:
    """The group key (see GROUPS) of a logged series: its role decides when it has one, else its
    name by the rules in the module docstring; "other" when nothing fits."""
    if role in _ROLE_GROUPS:
        return _ROLE_GROUPS[role]
    t = tokens(name)
    if _SYSTEM.search(t):
        return "system"
    if _LEARNING_RATE.search(t) or _OPTIMISATION.search(t):
        return "optimisation"
    if _LOSS.search(t):
        return "losses"
    if _ACCURACY.search(t):
        return "accuracy"
    return "other"
