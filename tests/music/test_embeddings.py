"""The text encoder: the right shape and norm, and meaning where it should be."""

from __future__ import annotations

import numpy as np
import pytest

from reelforge.media.embeddings import DIMENSION, get_text_encoder


@pytest.fixture(scope="module")
def encoder():
    return get_text_encoder()


def test_vectors_are_384_dimensional_unit_length_float32(encoder) -> None:
    vectors = encoder.encode(["calm piano", "a much longer sentence about fast drums and bass"])
    assert vectors.shape == (2, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_close_and_unrelated_text_is_far(encoder) -> None:
    a, b, c = encoder.encode([
        "calm, slow piano music for relaxing",
        "peaceful gentle piano tune to unwind",
        "quarterly tax filing deadline for small businesses",
    ])
    assert float(a @ b) > 0.6
    assert float(a @ c) < 0.25
    assert float(a @ b) - float(a @ c) > 0.4


def test_music_moods_rank_their_own_paraphrase_first(encoder) -> None:
    moods = encoder.encode(["energetic, upbeat, driving", "sad, melancholic, sorrowful",
                            "happy, cheerful, joyful"])
    queries = encoder.encode(["high energy workout", "grief and loss", "sunny cheerful day"])
    assert list(np.argmax(queries @ moods.T, axis=1)) == [0, 1, 2]


def test_a_sentence_encodes_the_same_alone_or_in_a_padded_batch(encoder) -> None:
    alone = encoder.encode_one("hopeful, building, cinematic")
    batch = encoder.encode(["x", "hopeful, building, cinematic", "a " * 60])
    assert float(alone @ batch[1]) > 0.9999


def test_the_encoder_is_loaded_once_per_process() -> None:
    assert get_text_encoder() is get_text_encoder()


def test_no_text_gives_an_empty_matrix(encoder) -> None:
    assert encoder.encode([]).shape == (0, DIMENSION)
