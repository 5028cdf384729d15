"""The example hyper-parameter sweep: Adam on the digits MLP, learning rate x batch size, two
seeds per configuration (issue 17). Small on purpose: 24 runs of 12 epochs train in about 30 s.

The learning rates span four decades so the sweep page has a log axis, an interior optimum
(about 1e-2) and a rate too high to learn anything (lr = 1 leaves the network at chance level).
"""

from __future__ import annotations

from collections.abc import Callable

from example_logs import steps_csv
from example_training import Config, History

LEARNING_RATES = ((1e-3, "1e-3"), (3e-3, "3e-3"), (1e-2, "1e-2"), (3e-2, "3e-2"), (1e-1, "1e-1"), (1.0, "1e0"))
BATCH_SIZES = (32, 128)
SEEDS = (0, 1)
EPOCHS = 12
TAG = "lr-x-batch"


def _notes(lr: float, batch: int, seed: int) -> Callable[[History], str]:
    def notes(h: History) -> str:
        return (
            f"Hyper-parameter sweep (tag `{TAG}`): the digits MLP (64 ReLU units) trained with "
            f"Adam for {EPOCHS} epochs at lr = {lr:g} and batch size {batch}, seed {seed}. The sweep "
            "crosses six learning rates (1e-3 to 1) with two batch sizes (32, 128), two seeds each. "
            f"This run ends at validation loss {h.val_loss[-1]:.3f}, accuracy {h.val_metric[-1]:.1%}."
            "\n\nCSV: one row every 5 steps, validation once per epoch."
        )

    return notes


def sweep_examples(example: type, write: Callable) -> list:
    """One `Example` (generate.Example, passed in to avoid a circular import) per run of the sweep."""
    out = []
    for lr, label in LEARNING_RATES:
        for batch in BATCH_SIZES:
            for seed in SEEDS:
                out.append(
                    example(
                        name=f"sweep-lr-{label}-bs-{batch}-seed-{seed}",
                        title=f"Adam sweep: lr = {lr:g}, batch {batch}, seed {seed}",
                        shows=f"hyper-parameter sweep (lr x batch size x seed): lr = {lr:g}, batch {batch}, seed {seed}",
                        notes=_notes(lr, batch, seed),
                        cfg=Config(hidden=(64,), lr=lr, epochs=EPOCHS, batch_size=batch, seed=seed),
                        data="digits",
                        write=write,
                        folder="sweep",
                        # a tag, not a group: a group is read as seeds of one configuration
                        # and its page pools them; the tag's comparison becomes the sweep page
                        tags=("adam", TAG),
                    )
                )
    return out


def sweep_log(h: History, c: Config) -> dict[str, bytes]:
    return {"training_log.csv": steps_csv(h, log_every=5, task=c.task)}
