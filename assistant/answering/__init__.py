"""Answering a question: the pipeline from question to verified answer (pipeline.py: Assistant,
its named steps prepare -> retrieve -> scope -> choose_rule -> parts -> compose -> verify), what an
answer is (model.py), whether a question is in scope (scope.py), the drafted parts (drafting.py),
the checks against the passages (verify.py), the parts as the app shows them (parts.py) and the
answer backends, grounded or a language model (generation.py). The rule model it reasons with
lives in assistant.rules."""
