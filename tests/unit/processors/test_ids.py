from processors import ids


def test_referral_id_depends_on_partner_and_reference_only() -> None:
    assert ids.referral_id("POLICE", "KPD-1") == ids.referral_id("POLICE", " KPD-1 ")
    assert ids.referral_id("POLICE", "KPD-1") != ids.referral_id("POLICE", "KPD-2")
    assert ids.referral_id("POLICE", "KPD-1") != ids.referral_id("PROS_KS", "KPD-1")


def test_assignment_id_changes_with_destination_and_version() -> None:
    base = ids.assignment_id("R-1", "SOCIAL", 1)
    assert base == ids.assignment_id("R-1", "SOCIAL", 1)
    assert base != ids.assignment_id("R-1", "BUREAU", 1)
    assert base != ids.assignment_id("R-1", "SOCIAL", 2)
