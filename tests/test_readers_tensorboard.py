"""TensorBoard reader: event files written by tensorboardX (a real writer) read back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorboardX  # a test dependency: the real writer whose files we read back
from numpy.testing import assert_array_equal

from reportgen.errors import ReadError
from reportgen.readers import detect_format, read_log
from reportgen.readers.crc32c import _python_crc32c, crc32c, crc32c_many


def _writer(folder: Path, suffix: str = ""):
    return tensorboardX.SummaryWriter(str(folder), filename_suffix=suffix, flush_secs=3600)


def _event_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if ".tfevents." in p.name)


def test_round_trip_steps_values_and_wall_times_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    steps = np.cumsum(rng.integers(1, 300, size=500))  # crosses the 1- and 2-byte varint limits
    values = rng.normal(size=500) * 10.0 ** rng.integers(-8, 8, size=500)
    walls = 1.7e9 + np.cumsum(rng.random(500))
    w = _writer(tmp_path)
    for s, v, t in zip(steps, values, walls):
        w.add_scalar("train/loss", float(v), int(s), walltime=float(t))
    w.add_scalar("lr", 0.5, 0, walltime=12.25)
    w.add_text("notes", "not a scalar", 0)
    w.add_histogram("weights", rng.normal(size=100), 3)
    w.close()
    (file,) = _event_files(tmp_path)
    data = read_log(file)
    assert data.format == "tensorboard"
    assert sorted(data.series) == ["lr", "train/loss"]
    s = data.series["train/loss"]
    assert_array_equal(s.steps, steps)
    # event files store simple_value as float32
    assert_array_equal(s.values, values.astype(np.float32).astype(np.float64))
    assert_array_equal(s.wall_time, walls)
    assert_array_equal(data.series["lr"].steps, [0])
    assert_array_equal(data.series["lr"].wall_time, [12.25])
    assert data.restarts == ()
    assert data.meta["non_scalar_tags"] == ["notes/text_summary", "weights"]


def test_nan_inf_and_negative_values_survive(tmp_path: Path) -> None:
    w = _writer(tmp_path)
    for i, v in enumerate([1.0, float("nan"), float("inf"), -float("inf"), -2.5]):
        w.add_scalar("loss", v, i)
    w.close()
    s = read_log(tmp_path).series["loss"]
    assert_array_equal(s.values, [1.0, np.nan, np.inf, -np.inf, -2.5])


def test_tensor_summaries_as_tf2_writes_them(tmp_path: Path) -> None:
    from tensorboard.plugins.scalar import summary_v2
    from tensorboardX.proto import summary_pb2

    w = _writer(tmp_path)
    fw = w._get_file_writer()
    for step, v in [(1, 0.75), (2, 0.5), (4, 0.125)]:
        pb = summary_v2.scalar_pb("epoch_loss", np.float32(v))
        fw.add_summary(
            summary_pb2.Summary.FromString(pb.SerializeToString()), step, walltime=100.0 + step
        )
    w.close()
    s = read_log(tmp_path).series["epoch_loss"]
    assert_array_equal(s.steps, [1, 2, 4])
    assert_array_equal(s.values, [0.75, 0.5, 0.125])
    assert_array_equal(s.wall_time, [101.0, 102.0, 104.0])


def test_run_folder_merges_files_in_order_and_applies_restarts(tmp_path: Path) -> None:
    first = _writer(tmp_path, ".a")
    for i in range(10):
        first.add_scalar("loss", float(i), i, walltime=1000.0 + i)
    first.close()
    # resumed from the checkpoint at step 6: steps 6..9 of the first file are superseded
    second = _writer(tmp_path, ".b")
    for i in range(6, 12):
        second.add_scalar("loss", 100.0 + i, i, walltime=2000.0 + i)
    second.close()
    assert len(_event_files(tmp_path)) == 2
    assert detect_format(tmp_path) == "tensorboard"
    data = read_log(tmp_path)
    s = data.series["loss"]
    assert_array_equal(s.steps, np.arange(12))
    assert_array_equal(s.values, [0, 1, 2, 3, 4, 5, 106, 107, 108, 109, 110, 111])
    assert_array_equal(s.wall_time[5:7], [1005.0, 2006.0])
    assert [(r.step, r.dropped) for r in data.restarts] == [(6, 4)]


def test_log_dir_with_run_subfolders_prefixes_series(tmp_path: Path) -> None:
    for run, scale in (("train", 1.0), ("validation", 2.0)):
        w = _writer(tmp_path / run)
        for i in range(3):
            w.add_scalar("epoch_loss", scale / (i + 1), i)
        w.close()
    # a sub-run that holds no scalars (HF Trainer's hparams sub-folder) is ignored
    w = _writer(tmp_path / "train" / "1719642696.82")
    w.add_text("args", "{}", 0)
    w.close()
    data = read_log(tmp_path)
    assert sorted(data.series) == ["train/epoch_loss", "validation/epoch_loss"]
    assert_array_equal(data.series["validation/epoch_loss"].values, [2.0, 1.0, np.float32(2 / 3)])


def test_truncated_last_record_is_skipped_and_reported(tmp_path: Path) -> None:
    w = _writer(tmp_path)
    for i in range(5):
        w.add_scalar("loss", float(i), i)
    w.close()
    (file,) = _event_files(tmp_path)
    data = file.read_bytes()
    file.write_bytes(data[:-7])
    out = read_log(file)
    assert_array_equal(out.series["loss"].steps, [0, 1, 2, 3])
    (warning,) = out.meta["warnings"]
    assert warning.startswith(f"{file}: last record truncated at byte ")
    assert warning.endswith("was the writer still running?)")


def test_truncated_event_file_without_a_whole_record_is_an_error(tmp_path: Path) -> None:
    w = _writer(tmp_path)
    w.add_scalar("loss", 1.0, 0)
    w.close()
    (file,) = _event_files(tmp_path)
    file.write_bytes(file.read_bytes()[:30])
    with pytest.raises(ReadError) as info:
        read_log(file)
    assert str(info.value) == (
        f"{file}: truncated event file: 30 bytes, not one complete record "
        "(expected TFRecord framing as TensorBoard writes it)"
    )


def test_corrupt_record_is_reported_with_its_offset(tmp_path: Path) -> None:
    w = _writer(tmp_path)
    for i in range(3):
        w.add_scalar("loss", float(i), i)
    w.close()
    (file,) = _event_files(tmp_path)
    data = bytearray(file.read_bytes())
    data[-6] ^= 0xFF  # inside the last record's data
    file.write_bytes(bytes(data))
    with pytest.raises(ReadError) as info:
        read_log(file)
    message = str(info.value)
    assert message.startswith(f"{file}: corrupt event file: the record at byte ")
    assert message.endswith(" fails its data checksum (the file was damaged after it was written)")


def test_event_file_without_scalars_is_a_clear_error(tmp_path: Path) -> None:
    w = _writer(tmp_path)
    w.add_text("args", "{}", 0)
    w.close()
    (file,) = _event_files(tmp_path)
    with pytest.raises(ReadError) as info:
        read_log(file)
    assert str(info.value) == (
        f"{file}: no scalar summaries in the TensorBoard log (other tags: args/text_summary); "
        "expected add_scalar or tf.summary.scalar values"
    )


def test_crc32c_known_answer_and_vectorised_agree() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # the standard check value
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, size=5000, dtype=np.uint8)
    offsets = np.array([0, 3, 17, 100, 9], dtype=np.int64)
    lengths = np.array([1, 7, 64, 4900, 0], dtype=np.int64)
    got = crc32c_many(data, offsets, lengths)
    want = [_python_crc32c(data[o : o + n].tobytes()) for o, n in zip(offsets, lengths)]
    assert got.tolist() == want


def test_a_tags_plugin_from_its_first_metadata_holds_across_the_runs_files(tmp_path: Path) -> None:
    from tensorboard.compat.proto import summary_pb2 as tb_summary
    from tensorboard.util import tensor_util
    from tensorboardX.proto import summary_pb2

    def summary(tag: str, value: float, plugin: str | None) -> summary_pb2.Summary:
        v = tb_summary.Summary.Value(
            tag=tag, tensor=tensor_util.make_tensor_proto(np.float32(value))
        )
        if plugin is not None:
            v.metadata.plugin_data.plugin_name = plugin
        pb = tb_summary.Summary(value=[v])
        return summary_pb2.Summary.FromString(pb.SerializeToString())

    first = _writer(tmp_path, ".a")
    first._get_file_writer().add_summary(summary("pr/threshold", 0.5, "pr_curves"), 1)
    first._get_file_writer().add_summary(summary("loss", 2.0, "scalars"), 1)
    first.close()
    second = _writer(tmp_path, ".b")  # TF writes a tag's metadata once: not in later files
    second._get_file_writer().add_summary(summary("pr/threshold", 0.25, None), 2)
    second._get_file_writer().add_summary(summary("loss", 1.0, None), 2)
    second.close()
    data = read_log(tmp_path)
    assert sorted(data.series) == ["loss"]
    assert_array_equal(data.series["loss"].values, [2.0, 1.0])
    assert data.meta["non_scalar_tags"] == ["pr/threshold"]


def test_an_epoch_scalar_gives_every_series_its_epoch(tmp_path: Path) -> None:
    # as Lightning's TensorBoardLogger writes it: `epoch` at each step where metrics are logged
    w = _writer(tmp_path)
    for step in (10, 20, 30, 40):
        w.add_scalar("epoch", step // 20, step)
        w.add_scalar("train_loss", 1.0 / step, step)
    w.add_scalar("val_loss", 0.5, 5)  # before the first epoch record: unknown
    w.add_scalar("val_loss", 0.25, 35)
    w.close()
    data = read_log(tmp_path)
    assert_array_equal(data.series["train_loss"].epoch, [0, 1, 1, 2])
    assert_array_equal(data.series["val_loss"].epoch, [np.nan, 1])


def test_event_file_renamed_is_recognised_by_its_content(tmp_path: Path) -> None:
    w = _writer(tmp_path / "run")
    w.add_scalar("loss", 1.0, 0)
    w.close()
    (file,) = _event_files(tmp_path / "run")
    renamed = tmp_path / "copy.bin"
    renamed.write_bytes(file.read_bytes())
    assert detect_format(renamed) == "tensorboard"
    assert_array_equal(read_log(renamed).series["loss"].values, [1.0])
