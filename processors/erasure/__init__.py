"""Juvenile record erasure (塗銷, 少年事件處理法第83條之1), planned as pure steps.

An order travels four hops, each on the partitions of what it touches, so every table write goes to the
changelog partition its key lives on:

1. ``orders`` — keyed by the person's lookup key (HMAC of the national ID): one place per person, whether or
   not the hub knows them, so a re-sent order is recognised. Shreds the keys (the subject's data key and lookup
   link, quarantine keys of dead letters naming the person, the order's own raw bytes) and forwards the order
   to the subject, or answers NOTHING_HELD.
2. ``subjects`` — keyed by the subject id (the journey's partitions): removes the journey and asks the owner of
   each of the person's referrals to erase it.
3. ``referrals`` — keyed by the referral id (the ledger's partitions): replaces the ledger entry by an erased
   marker, drops the clocks and lecture notices, tells every destination to delete its copy and the source
   that the referral was erased, and reports back.
4. ``subjects`` again — collects the reports; the last one answers the court with ERASURE_COMPLETED.
"""
