"""Evaluation scorers and benchmarks; gold sets live in evals/gold/."""
