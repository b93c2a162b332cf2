"""Pass-through protection (貫穿式保護): one journey per person across stages — investigation, prosecution,
trial, prison or treatment, release, community follow-up, closure — and the break points (斷點) between them.

Pure logic: every function takes the instant it should judge by (``now``); the caller injects the clock.
:mod:`.journey` is the entry point (``apply_step``, ``check_due``, ``next_instant``, ``open_gaps``),
:mod:`.policy` the configurable deadlines.
"""
