import numpy as np
import pytest

from codeloop.errors import UserInputError
from codeloop.patterns.index import ExactIndex, FaissFlatIndex, SketchIndex, open_index


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (300, 1250), dtype=np.uint8)
    query = base[17] ^ (
        rng.integers(0, 256, 1250, dtype=np.uint8) & rng.integers(0, 256, 1250, dtype=np.uint8)
    )
    return base, query


@pytest.mark.parametrize("cls", [ExactIndex, FaissFlatIndex, SketchIndex])
def test_every_backend_finds_the_noisy_copy(cls, data):
    base, query = data
    index = cls()
    index.add(list(range(100, 400)), base)
    hits = index.search(query[None, :], 3)[0]
    assert hits[0][0] == 117
    assert hits[0][1] == int(np.bitwise_count(base[17] ^ query).sum())
    assert len(index) == 300


def test_sketch_index_agrees_with_exact_and_persists(tmp_path, data):
    base, query = data
    exact, sketch, short = ExactIndex(), SketchIndex(candidates=300), SketchIndex(candidates=20)
    for index in (exact, sketch, short):
        index.add(list(range(150)), base[:150])
        index.add(list(range(150, 300)), base[150:])
    # with every row a candidate the re-rank is exact; with 20 the near neighbour still wins
    assert sketch.search(query[None, :], 5) == exact.search(query[None, :], 5)
    assert short.search(query[None, :], 1) == exact.search(query[None, :], 1)
    sketch.save(tmp_path / "i.npz")
    loaded = open_index(tmp_path / "i.npz")
    assert loaded.max_id == 299
    assert loaded.search(query[None, :], 1) == exact.search(query[None, :], 1)


def test_wrong_width_is_refused():
    with pytest.raises(UserInputError, match="1250 bytes per row"):
        ExactIndex().add([1], np.zeros((1, 10), dtype=np.uint8))
