"""Golden cases for the prosecutors' referral letters (PROS_XML)."""
