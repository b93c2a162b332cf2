"""Chaos: referrals posted through the gateway into several workers while workers and brokers are killed."""
