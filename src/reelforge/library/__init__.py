"""One tenant library of footage, pictures and songs: add, index, search.

What the CLI, the API and the studio all use. ``footage`` holds the shapes the indexing side
produces and the make side consumes, so the two meet at one seam.
"""
