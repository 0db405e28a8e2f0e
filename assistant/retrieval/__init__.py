"""Search: text analysis and the lexicon (analysis.py), embedders (embeddings.py), and the hybrid
index over Chroma and BM25 with peildatum filters and fusion (index.py)."""
