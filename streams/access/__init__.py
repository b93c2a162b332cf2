"""Who may call the hub: credentials (hashed tokens, client-certificate subjects) on a compacted topic, the
principals they authenticate, the roles routes require, sealed pull cursors and per-partner rate limits.

Pure modules, except ``follower`` (aiokafka, inside the hub) and ``admin`` (kafka-python, CLI only).
"""
