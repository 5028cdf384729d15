"""Log readers behind one registry. Each reader module exposes `READER` (see base.Reader).

`format: auto` tries the readers' sniffers in REGISTRY order: specific formats (which recognise
their own file names or structure) come before the generic csv and jsonl, which would otherwise
claim e.g. a Lightning metrics.csv.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers import csv, hf_trainer, jsonl, keras, lightning, mlflow, tensorboard
from reportgen.readers.base import Reader, read_head

REGISTRY: dict[str, Reader] = {
    # Order matters for `auto`: the first sniffer that accepts a path wins.
    # MLflow first: a run folder may hold TensorBoard files under artifacts/.
    mlflow.NAME: mlflow.READER,
    hf_trainer.NAME: hf_trainer.READER,
    lightning.NAME: lightning.READER,
    # Keras before csv/jsonl: its CSVs are valid generic CSV, its one-line history JSON is
    # valid JSON Lines, and only the Keras reader knows x is epoch + 1.
    keras.NAME: keras.READER,
    tensorboard.NAME: tensorboard.READER,
    # generic last
    csv.NAME: csv.READER,
    jsonl.NAME: jsonl.READER,
}

FORMATS = ("auto", *REGISTRY)


def detect_format(path: Path) -> str:
    """The name of the first reader whose sniffer accepts `path`; ReadError listing those tried."""
    head = read_head(path)
    for name, reader in REGISTRY.items():
        if reader.sniff(path, head):
            return name
    tried = ", ".join(REGISTRY)
    raise ReadError(
        f"not a supported log format (tried {tried}); set `format:` in the manifest "
        "if it is one of these",
        Location(path),
    )


def read_log(path: Path, fmt: str = "auto") -> LogData:
    """Read one log file or folder with the named reader (or the detected one for "auto")."""
    if not path.exists():
        raise ReadError(
            "log file not found: check the path, which is relative to the manifest", Location(path)
        )
    name = detect_format(path) if fmt == "auto" else fmt
    reader = REGISTRY.get(name)
    if reader is None:
        raise ReadError(
            f"unknown log format {name!r}; expected one of {', '.join(FORMATS)}", Location(path)
        )
    return reader.read(path)
