"""PyTorch Lightning CSVLogger: `metrics.csv`, or its `version_N/` folder.

Rows are sparse: each metric is written only on the rows where it was logged (train rows every
few steps, a validation row per epoch, a learning-rate monitor row with an empty `epoch`), and
`self.log(..., on_step=True, on_epoch=True)` gives `<name>_step` and `<name>_epoch` columns. x is
the `step` column; legacy (2020, test-tube) files without one count epochs. `hparams.yaml`
(or test-tube's `meta_tags.csv`) beside the file is read as hparams.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers.base import Reader
from reportgen.readers.delimited import read_table
from reportgen.readers.tabular import head_rows, table_to_logdata
from reportgen.readers.yamlmeta import read_hparams_yaml, read_meta_tags_csv

NAME = "lightning"
FILE = "metrics.csv"


def _metrics_file(path: Path) -> Path | None:
    if path.is_dir():
        candidate = path / FILE
        return candidate if candidate.is_file() else None
    return path


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return (path / FILE).is_file()
    # "metrics.csv", or a copy renamed with a prefix ("version_0__metrics.csv")
    if not path.name.lower().endswith(FILE):
        return False
    rows = head_rows(head, limit=1, path=path)
    if not rows:
        return False
    header = {h.lower() for h in rows[0]}
    return "step" in header or ("epoch" in header and "created_at" in header)


def read(path: Path) -> LogData:
    file = _metrics_file(path)
    if file is None:
        raise ReadError(
            f"no {FILE} in this folder: expected a Lightning CSVLogger version folder "
            "(lightning_logs/version_N/)",
            Location(path),
        )
    table = read_table(file, what="Lightning metrics.csv", example="epoch,step,train_loss")
    folder = file.parent
    warnings: list[str] = []
    hparams, warning = read_hparams_yaml(folder / "hparams.yaml")
    if warning:
        warnings.append(warning)
    if not hparams:
        hparams, warning = read_meta_tags_csv(folder / "meta_tags.csv")
        if warning:
            warnings.append(warning)
    return table_to_logdata(table, file, NAME, hparams=hparams, meta={"warnings": warnings})


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
