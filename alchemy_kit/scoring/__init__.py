"""Scoring and ranking variants: the offline scorer, the LLM judge, picks and learned weights."""
