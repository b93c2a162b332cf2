"""Pseudonyms and sealed envelopes: no clear-text personal data past the edge."""
