import pytest

from reportgen.manifest.slug import slugify


@pytest.mark.parametrize(
    "text, slug",
    [
        ("ResNet-50 / lr=1e-3", "resnet-50-lr-1e-3"),
        ("  Crème brûlée  ", "creme-brulee"),
        ("a__b--c", "a-b-c"),
        ("日本語", "run"),
        ("", "run"),
        ("---", "run"),
        ("x" * 100, "x" * 80),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug
