"""The labelled library, made once per session; the real MiniLM encoder."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from reelforge.library.footage import FootageShot

from .labelled import make_library


@pytest.fixture(scope="session")
def encode() -> Callable[[Sequence[str]], np.ndarray]:
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder().encode


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> list[FootageShot]:
    return make_library(tmp_path_factory.mktemp("footage"))
