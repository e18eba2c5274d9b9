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


SONG_LINES = [
    "acoustic, organic instruments, guitar and piano: calm, peaceful acoustic music, very slow "
    "68 BPM in C major, steady energy, warm, mellow tone, instrumental",
    "electronic, synthesizers, programmed beats: energetic, driving electronic music, fast 128 "
    "BPM in A minor, building energy, rising to a climax, bright, crisp tone",
    "tender, gentle, warm, romantic acoustic music, slow 76 BPM in F major, fading energy",
    "hopeful, building, cinematic",
]


def test_a_vector_depends_on_its_text_only_not_on_the_other_texts_of_the_call(encoder) -> None:
    """int8 inference scales activations per run; one text per run keeps vectors exact."""
    alone = encoder.encode(SONG_LINES)
    shuffled = encoder.encode(["noise " * 40, *reversed(SONG_LINES), "x"])[1:-1][::-1]
    assert np.array_equal(alone, shuffled)


def test_the_prepared_int8_model_agrees_with_the_shipped_float_model(encoder) -> None:
    from reelforge.media.embedding_model import model_files
    from reelforge.media.embeddings import TextEncoder

    shipped, tokenizer = model_files()
    assert encoder.model_path != shipped  # the prepared file is in use
    float_model = TextEncoder(model_path=shipped, tokenizer_path=tokenizer)
    cosines = (encoder.encode(SONG_LINES) * float_model.encode(SONG_LINES)).sum(axis=1)
    assert cosines.min() > 0.98, cosines


def test_the_model_is_prepared_once_and_atomically(tmp_path) -> None:
    from reelforge.media.embedding_model import model_files, prepared_model

    shipped, _ = model_files()
    first = prepared_model(shipped, tmp_path)
    stamp = first.stat().st_mtime_ns
    assert prepared_model(shipped, tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no scratch left behind


def test_an_unwritable_models_folder_is_one_clear_error(tmp_path) -> None:
    from reelforge.errors import InputError
    from reelforge.media.embedding_model import model_files, prepared_model

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the models folder should be")
    with pytest.raises(InputError, match="REELFORGE_MODELS_DIR") as caught:
        prepared_model(model_files()[0], blocker / "models")
    assert str(blocker) in str(caught.value)
