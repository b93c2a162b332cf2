"""Outbound golden cases: canonical records in, a partner's exact bytes out."""
