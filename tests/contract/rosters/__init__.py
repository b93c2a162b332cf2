"""Golden cases for the correctional facilities' release rosters (ROSTER_FIXED_WIDTH)."""
