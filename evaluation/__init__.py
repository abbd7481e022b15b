"""Evaluation: Tatoeba retrieval and tokenization preservation, original against smaller."""
