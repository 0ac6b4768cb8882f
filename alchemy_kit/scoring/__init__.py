"""Scoring and ranking variants: the offline heuristic (later the judge, picks and learned weights)."""
