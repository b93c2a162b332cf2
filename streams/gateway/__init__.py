"""The HTTP gateway (收件): partners post their own files; the hub answers with a receipt."""
