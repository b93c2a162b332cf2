from processors import ids

KEY = b"k" * 32


def test_referral_id_depends_on_partner_and_reference_only() -> None:
    assert ids.referral_id(KEY, "POLICE", "KPD-1") == ids.referral_id(KEY, "POLICE", " KPD-1 ")
    assert ids.referral_id(KEY, "POLICE", "KPD-1") != ids.referral_id(KEY, "POLICE", "KPD-2")
    assert ids.referral_id(KEY, "POLICE", "KPD-1") != ids.referral_id(KEY, "PROS_KS", "KPD-1")


def test_referral_id_cannot_be_computed_without_the_deployments_key() -> None:
    import hashlib

    unkeyed = "R-" + hashlib.sha256(b"POLICE\x1fKPD-1").hexdigest()[:20]
    assert ids.referral_id(KEY, "POLICE", "KPD-1") != unkeyed
    assert ids.referral_id(KEY, "POLICE", "KPD-1") != ids.referral_id(b"x" * 32, "POLICE", "KPD-1")


def test_assignment_id_changes_with_destination_and_version() -> None:
    base = ids.assignment_id("R-1", "SOCIAL", 1)
    assert base == ids.assignment_id("R-1", "SOCIAL", 1)
    assert base != ids.assignment_id("R-1", "BUREAU", 1)
    assert base != ids.assignment_id("R-1", "SOCIAL", 2)
