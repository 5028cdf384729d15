"""Checkpoints and histograms (issue 18): snapshot files written by the real libraries
(numpy, safetensors, tensorboardX), their positions, the manifest's `checkpoints:` and its
errors, and a build that shows and caches "Inside the model"."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import make_run
from numpy.testing import assert_allclose

from reportgen.analysis.model_views import histogram_quantiles, trajectory_of
from reportgen.build import build
from reportgen.errors import Location, ReadError
from reportgen.manifest.load import load_manifests
from reportgen.model import CheckpointSpec
from reportgen.readers.checkpoint_formats import open_snapshot
from reportgen.readers.checkpoints import (
    find_snapshots,
    position_from_name,
    read_layout,
    stream_blocks,
)
from reportgen.readers.tfhistograms import read_histograms


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages show paths relative to the working directory


def spec(path: str, **kw) -> CheckpointSpec:
    return CheckpointSpec(path=path, where=Location(Path("runs/a.yaml"), 3, 14), **kw)


def snapshots(rng: np.random.Generator, steps: list[int]) -> list[dict[str, np.ndarray]]:
    base = {"enc.weight": rng.standard_normal((6, 5)), "enc.bias": rng.standard_normal(5), "head.weight": rng.standard_normal((5, 3))}
    return [{k: (v + 0.1 * i * np.ones_like(v) + 0.01 * rng.standard_normal(v.shape)).astype(np.float32)
             for k, v in base.items()} for i, _ in enumerate(steps)]


def dense_trajectory(snaps: list[dict[str, np.ndarray]], names: list[str], steps: list[int]):
    flat = np.stack([np.concatenate([s[n].astype(np.float64).ravel() for n in names]) for s in snaps])
    return trajectory_of([(names[0], flat)], np.array(steps, dtype=float))


@pytest.mark.parametrize(
    "name, step, epoch",
    [
        ("checkpoint-500", 500, None),
        ("epoch=3-step=420.ckpt", 420, 3.0),
        ("step_1000.npz", 1000, None),
        ("epoch_3.npz", None, 3.0),
        ("model_750.safetensors", 750, None),
        ("global_step200", 200, None),
        ("weights.npz", None, None),
        ("run2_model_750.npz", None, None),  # two numbers: which one counts is not guessed
    ],
)
def test_position_from_name(name: str, step: int | None, epoch: float | None) -> None:
    assert position_from_name(name) == (step, epoch)


def test_safetensors_written_by_the_package_stream_exactly(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    steps = [0, 50, 100, 150]
    snaps = snapshots(np.random.default_rng(0), steps)
    folder = tmp_path / "ckpt"
    for s, arrays in zip(steps, snaps):
        # Hugging Face's layout: one folder per checkpoint, optimizer state beside the weights
        (folder / f"checkpoint-{s}").mkdir(parents=True)
        save_file(arrays, str(folder / f"checkpoint-{s}" / "model.safetensors"), metadata={"format": "np"})
        (folder / f"checkpoint-{s}" / "optimizer.pt").write_bytes(b"not weights")
    refs = find_snapshots(spec("ckpt", exclude=("*.bias",)), tmp_path)
    assert [r.step for r in refs] == steps
    assert all(r.files == (folder / f"checkpoint-{r.step}" / "model.safetensors",) for r in refs)
    layout = read_layout(refs, spec("ckpt", exclude=("*.bias",)))
    assert list(layout.params) == ["enc.weight", "head.weight"]
    # blocks small enough that each parameter is split across several
    blocks = list(stream_blocks(refs, layout, block_bytes=8 * 4 * 10))
    assert len(blocks) > 2
    traj = trajectory_of(blocks, np.array(steps, dtype=float))
    want = dense_trajectory(snaps, ["enc.weight", "head.weight"], steps)
    assert traj.params == 45
    assert_allclose(traj.explained, want.explained, rtol=1e-9)
    assert_allclose(traj.update_cos, want.update_cos, rtol=1e-9)
    assert_allclose(traj.norms, want.norms, rtol=1e-12)


def test_safetensors_metadata_gives_the_step(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    for i, s in enumerate((10, 20, 30)):
        save_file({"w": np.full(4, float(i), np.float32)}, str(tmp_path / f"snap-{'abc'[i]}.safetensors"), metadata={"step": str(s)})
    refs = find_snapshots(spec("*.safetensors"), tmp_path)
    assert [r.step for r in refs] == [10, 20, 30]


def test_npz_stored_members_are_mapped_and_compressed_ones_read(tmp_path: Path) -> None:
    arrays = {"a/w": np.arange(12, dtype=np.float32).reshape(4, 3), "b": np.float16(np.linspace(0, 1, 5))}
    np.savez(tmp_path / "plain.npz", **arrays)
    np.savez_compressed(tmp_path / "packed.npz", **arrays, step=np.int64(7))
    for file in ("plain.npz", "packed.npz"):
        snap = open_snapshot(tmp_path / file)
        try:
            assert snap.names() == ["a/w", "b"]
            assert_allclose(snap.rows("a/w", 1, 3), arrays["a/w"][1:3].ravel())
            assert_allclose(snap.rows("b", 0, 5), arrays["b"].astype(np.float64))
        finally:
            snap.close()
    assert open_snapshot(tmp_path / "packed.npz").meta == {"step": 7.0}


def test_a_snapshot_without_a_position_is_named_in_the_error(tmp_path: Path) -> None:
    np.savez(tmp_path / "best.npz", w=np.zeros(3))
    with pytest.raises(ReadError) as err:
        find_snapshots(spec("best.npz"), tmp_path)
    assert err.value.format_message() == (
        "best.npz: cannot tell at which step this checkpoint was saved: put the step in its name "
        "(e.g. step_500.npz, checkpoint-500) or save a 'step' value in it (checkpoints: at runs/a.yaml:3:14)"
    )


def test_two_snapshots_at_one_step_are_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "step_5.npz", w=np.zeros(3))
    np.save(tmp_path / "step-5.npy", np.zeros(3))
    with pytest.raises(ReadError) as err:
        find_snapshots(spec("*"), tmp_path)
    assert err.value.format_message() == (
        "runs/a.yaml:3:14: checkpoints: checkpoints: step-5.npy and step_5.npz are both at step 5; keep one"
    )


def test_a_parameter_missing_from_one_snapshot_is_named(tmp_path: Path) -> None:
    for s in (0, 1, 2):
        np.savez(tmp_path / f"step_{s}.npz", w=np.zeros(3), **({"v": np.zeros(2)} if s != 1 else {}))
    refs = find_snapshots(spec("."), tmp_path)
    with pytest.raises(ReadError) as err:
        list(stream_blocks(refs, read_layout(refs, spec("."))))
    assert err.value.format_message() == (
        "step_1.npz: parameter 'v' is missing here but has shape [2] in step_0.npz; every snapshot of a "
        "run must hold the same parameters (exclude: the ones that change)"
    )


def test_torch_checkpoints_need_torch(tmp_path: Path) -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        (tmp_path / "step_1.pt").write_bytes(b"\x80\x02")
        with pytest.raises(ReadError) as err:
            open_snapshot(tmp_path / "step_1.pt")
        assert err.value.format_message() == (
            "step_1.pt: reading .pt checkpoints needs torch, which is not installed; pip install "
            "'reportgen[torch]' (or torch), or save the snapshots as .safetensors or .npz"
        )
    else:
        pytest.skip("torch is installed here: the message for its absence cannot be seen")


def test_histograms_written_by_tensorboardx(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    writer = SummaryWriter(str(tmp_path / "tb"))
    for step in (0, 10, 20):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_histogram("layer1/weights", rng.normal(0.0, 1.0 + step / 10, 20000), step)
        writer.add_histogram("layer1/grad", rng.uniform(-1.0, 1.0, 20000), step)
    writer.close()
    found, warnings = read_histograms(tmp_path / "tb")
    assert warnings == []
    assert [h.tag for h in found] == ["layer1/grad", "layer1/weights"]
    weights = found[1]
    assert weights.steps.tolist() == [0, 10, 20]
    assert all(c.sum() == 20000 for c in weights.counts)
    view = histogram_quantiles(weights)
    # normal quantiles: median 0, quartiles at ±0.674 sigma, 5/95% at ±1.645 sigma
    sigma = np.array([1.0, 2.0, 3.0])
    assert_allclose(view.quantiles[2], 0.0, atol=0.15)
    assert_allclose(view.quantiles[3], 0.674 * sigma, rtol=0.08)
    assert_allclose(view.quantiles[4], 1.645 * sigma, rtol=0.08)
    grad = histogram_quantiles(found[0])
    assert grad.kind == "gradient"
    assert_allclose(grad.quantiles[:, 0], [-0.9, -0.5, 0.0, 0.5, 0.9], atol=0.05)


def manifest_errors(runs: Path) -> list[str]:
    return [p.format_message() for p in load_manifests(runs).problems]


def test_manifest_checkpoints_errors_name_file_line_and_column(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    make_run(runs, "a", checkpoints="ckpt")
    make_run(runs, "b", checkpoints={"path": "*.npz", "exclude": "*.bias", "includ": ["x"]})
    make_run(runs, "c", checkpoints={"path": 3})
    (tmp_path / "outside").mkdir()
    np.savez(tmp_path / "outside" / "step_1.npz", w=np.zeros(2))
    make_run(runs, "d", checkpoints="../outside/step_*.npz")
    assert manifest_errors(runs) == [
        "runs/a.yaml:2:14: checkpoints: checkpoints not found: ckpt (paths are relative to the manifest)",
        "runs/b.yaml:5:3: checkpoints.includ: unknown key (did you mean 'include'?); checkpoints takes path, include and exclude",
        "runs/c.yaml:3:9: checkpoints.path: expected text, got a number (3)",
        f"runs/d.yaml:2:14: checkpoints: ../outside/step_1.npz ({tmp_path / 'outside' / 'step_1.npz'}) is outside the runs "
        "folder; move it into the runs folder, or allow its folder with --allow-outside PATH or allow_outside: in reportgen.yaml",
    ]


def write_snapshots(folder: Path, steps: list[int], scale: float = 1.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    w = rng.standard_normal((8, 4))
    for s in steps:
        w = w + scale * 0.1 * np.sign(np.sin(s + np.arange(32).reshape(8, 4)))
        np.savez(folder / f"step_{s}.npz", **{"fc.weight": w.astype(np.float32), "fc.bias": np.zeros(4, np.float32)})


def test_a_build_shows_inside_the_model_and_caches_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    steps = [0, 40, 80, 120, 160]
    write_snapshots(runs / "ckpt", steps)
    make_run(runs, "a", checkpoints="ckpt")
    make_run(runs, "b")
    out = tmp_path / "site"
    report = build(runs, out, jobs=1)
    assert report.problems == ()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rec = {r["name"]: r for r in summary["runs"]}
    snap = rec["a"]["model"]["snapshots"]
    assert snap["count"] == 5 and snap["positions"] == steps and snap["parameters"] == 36
    assert snap["loss_metric"] == "val_loss"
    assert "model" not in rec["b"]  # a run without checkpoints keeps its record as it was
    page = (out / "runs" / "a" / "index.html").read_text(encoding="utf-8")
    assert "Inside the model" in page and "model-trajectory.svg" in page
    assert "Inside the model" not in (out / "runs" / "b" / "index.html").read_text(encoding="utf-8")
    assert build(runs, out, jobs=1).cached == 2
    # a changed checkpoint rebuilds its run (and only it)
    write_snapshots(runs / "ckpt", steps, scale=2.0)
    again = build(runs, out, jobs=1)
    assert again.cached == 1
    changed = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert changed["runs"][0]["model"]["snapshots"]["weight_norm"] != snap["weight_norm"]


def test_unreadable_checkpoints_are_a_problem_and_the_run_still_builds(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "ckpt").mkdir(parents=True)
    np.savez(runs / "ckpt" / "best.npz", w=np.zeros(3))
    np.savez(runs / "ckpt" / "last.npz", w=np.ones(3))
    make_run(runs, "a", checkpoints="ckpt/*.npz")
    report = build(runs, tmp_path / "site", jobs=1)
    assert [p.format_message() for p in report.problems] == [
        "runs/ckpt/best.npz: cannot tell at which step this checkpoint was saved: put the step in its name "
        "(e.g. step_500.npz, checkpoint-500) or save a 'step' value in it (checkpoints: at runs/a.yaml:2:14)"
    ]
    page = (tmp_path / "site" / "runs" / "a" / "index.html").read_text(encoding="utf-8")
    assert "Curves" in page and "Inside the model" not in page


def test_histograms_of_a_real_tensorflow_log() -> None:
    from conftest import realogs_dir

    path = realogs_dir() / "tensorboard" / "tensorboard__log_tayo__train__events.out.tfevents.1515280092.tayo-glaptop"
    found, warnings = read_histograms(path)
    assert warnings == [] and len(found) == 8
    assert "layer1/Wx_plus_b/pre_activations" in [h.tag for h in found]
    for h in found:
        assert h.steps.size == 9 and np.all(np.diff(h.steps) > 0)
        q = histogram_quantiles(h).quantiles
        # quantiles ascend at every step and stay within the recorded range
        assert np.all(np.diff(q, axis=0) >= 0)
        assert np.all(q[0] >= h.minimum - 1e-12) and np.all(q[-1] <= h.maximum + 1e-12)


def test_counters_and_empty_arrays_are_not_parameters(tmp_path: Path) -> None:
    for s in (0, 1):
        np.savez(tmp_path / f"step_{s}.npz", **{"bn.weight": np.ones(3) * s, "bn.num_batches_tracked": np.int64(s),
                                                "empty": np.zeros((0, 4))})
    refs = find_snapshots(spec("."), tmp_path)
    assert list(read_layout(refs, spec(".")).params) == ["bn.weight"]


def test_tf2_histograms_of_a_real_keras_log() -> None:
    from conftest import realogs2_dir

    folder = realogs2_dir() / "tensorboard" / "TensorBoard-Tutorial__archive__MNIST-extra-metrics1690486849"
    found, _ = read_histograms(folder / "train")
    by_tag = {h.tag: h for h in found}
    assert sorted(by_tag) == ["dense/bias_0/histogram", "dense/kernel_0/histogram", "dense_1/bias_0/histogram",
                              "dense_1/kernel_0/histogram"]
    kernel = by_tag["dense/kernel_0/histogram"]
    assert all(c.sum() == 784 * 512 for c in kernel.counts)  # Keras' Dense(512) on 28 x 28 inputs
    view = histogram_quantiles(kernel)
    assert view.kind == "weight" and np.all(np.diff(view.quantiles, axis=0) >= 0)
