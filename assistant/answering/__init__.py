"""Answering a question: the pipeline from question to verified answer (pipeline.py) and the
answer backends, grounded or a language model (generation.py). The rule model it reasons with
lives in assistant.rules."""
