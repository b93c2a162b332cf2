"""Contract tests: golden partner files. Input bytes → canonical JSON, canonical → output bytes."""
