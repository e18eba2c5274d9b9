"""Content processing: decoding, analysis, shots, keyframes, embeddings, index, clustering."""
