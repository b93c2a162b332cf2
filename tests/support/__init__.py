"""Test support: the real broker and hub processes, and partner files to feed them."""
