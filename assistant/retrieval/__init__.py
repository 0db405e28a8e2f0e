"""Search: text analysis and the lexicon (analysis.py), embedders (embeddings.py), and the hybrid
index (index.py) over a Chroma store (store.py) and a BM25 index (lexical.py), fused into one
ranking (fusion.py), filtered by peildatum, type and domain."""
