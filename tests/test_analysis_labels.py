import csv
import json

import numpy as np
import pytest
from conftest import realogs_dir as realogs

from reportgen.analysis.class_balance import balance_table
from reportgen.errors import ReadError
from reportgen.readers.class_balance import read_class_tables, read_labels


def test_csv_label_column(tmp_path):
    p = tmp_path / "train.csv"
    with open(p, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "Label"])
        for i, lab in enumerate(["cat", "dog", "cat", "cat", ""]):
            w.writerow([f"img{i}.png", lab])
    assert read_labels(p) == {"cat": 3, "dog": 1}


def test_csv_without_label_column_is_a_clear_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("path,kind\na.png,cat\n", encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_labels(p)
    assert err.value.where.line == 1
    assert err.value.message == (
        "cannot tell which column holds the labels (columns: path, kind); name it with a `label` "
        "header or set the label column in the manifest"
    )
    assert read_labels(p, column="kind") == {"cat": 1}


def test_npy_labels_and_one_hot(tmp_path):
    p = tmp_path / "y.npy"
    np.save(p, np.array([2, 0, 2, 1, 2], dtype=np.int64))
    assert read_labels(p) == {"0": 1, "1": 1, "2": 3}
    q = tmp_path / "onehot.npy"
    np.save(q, np.eye(3)[[0, 0, 2]])
    assert read_labels(q) == {"0": 2, "1": 0, "2": 1}
    r = tmp_path / "names.npy"
    np.save(r, np.array(["b", "a", "b"]))
    assert read_labels(r) == {"a": 1, "b": 2}
    bad = tmp_path / "frac.npy"
    np.save(bad, np.array([0.5, 1.0]))
    with pytest.raises(ReadError, match="fractional"):
        read_labels(bad)


def test_one_label_per_line(tmp_path):
    p = tmp_path / "labels.txt"
    p.write_text("pos\nneg\n\npos\n", encoding="utf-8")
    assert read_labels(p) == {"neg": 1, "pos": 2}


def test_count_csv_layouts(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("Class,Count\r\na,3\r\nb,5\r\n,8\r\n", encoding="utf-8")
    assert read_class_tables(long)[""].counts == {"all": {"a": 3, "b": 5}}
    per = tmp_path / "per.csv"
    per.write_text("class,train,val\na,30,3\nb,50,4\n", encoding="utf-8")
    assert read_class_tables(per)[""].counts == {
        "train": {"a": 30, "b": 50},
        "val": {"a": 3, "b": 4},
    }
    wide = tmp_path / "wide.csv"
    wide.write_text("Labels,0,1,2\ntrain,5,6,0\ntest,1,1,1\n", encoding="utf-8")
    assert read_class_tables(wide)[""].counts == {
        "train": {"0": 5, "1": 6, "2": 0},
        "test": {"0": 1, "1": 1, "2": 1},
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("class,count\na,3\nb,many\n", encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_class_tables(bad)
    assert err.value.where.line == 3 and err.value.message == "expected a class count, got 'many'"


def test_count_json_layouts(tmp_path):
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"a": 1, "b": 2}), encoding="utf-8")
    assert read_class_tables(flat)[""].counts == {"all": {"a": 1, "b": 2}}
    nested = tmp_path / "nested.json"
    nested.write_text(
        json.dumps({"train": {"a": 9, "b": 1}, "test": {"a": 1, "b": 1}}), encoding="utf-8"
    )
    assert read_class_tables(nested)[""].counts == {
        "train": {"a": 9, "b": 1},
        "test": {"a": 1, "b": 1},
    }
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": 1,\n "b": }', encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_class_tables(broken)
    assert err.value.where.line == 2


def test_real_class_balance_files():
    root = realogs() / "class_balance"
    rbc = read_class_tables(root / "Chula-RBC-12-Dataset__class_distribution.csv")[""]
    assert rbc.layout == "wide" and len(rbc.counts["all"]) == 13
    t = balance_table(rbc.counts)
    assert t.missing["all"] == ("10", "11", "12")
    assert {f.kind for f in t.flags} == {"class_imbalance", "class_missing"}

    skin = read_class_tables(root / "skin_lesion_classification_DL__class_counts.csv")[""]
    assert sum(skin.counts["all"].values()) == 27091  # the empty-named total row is skipped
    assert len(skin.counts["all"]) == 69

    garbage = read_class_tables(root / "Garbage-Image-Classification__class_distribution.csv")[""]
    g = balance_table(garbage.counts)
    assert g.imbalance_ratio["all"] == pytest.approx(5327 / 607)
    assert not g.flags  # 8.8x is below the default 10x

    cars = read_class_tables(root / "vision-based-car-damage-detection__dataset_stats.json")
    coco = cars["coco"]
    assert list(coco.counts) == ["train2017", "val2017", "test2017"]
    assert coco.class_names["1"] == "dent"
    ct = balance_table(coco.counts, coco.class_names)
    assert ct.reference == "train2017" and len(ct.shifts) == 2
    assert ct.names[:2] == ("dent", "scratch")

    heads = read_class_tables(
        root / "traffic-accident-negligence-rate-classification__class_counts.json"
    )
    assert len(heads) == 6 and "NUM_NEGLIGENCE" in heads
    assert all(list(h.counts) == ["all"] for h in heads.values())
