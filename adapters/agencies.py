"""Agency codes the hub sends work to (DOMAIN.md partner codes), in one place for the adapters, the
processors and the topology: adapters must not import ``streams``, and a partner naming a new target
(再轉 ``redirectTo``, 派案 ``dispatchTo``) must name an agency the hub can deliver to."""

from __future__ import annotations

from typing import Final

HOSPITALS: Final = (
    "HOSP_KSPH",
    "HOSP_KMUH",
    "HOSP_CGMH",
    "HOSP_AFKH",
    "HOSP_CSH",
    "HOSP_EDAH",
    "HOSP_TZHH",
    "HOSP_AFZY",
)
"""The designated treatment hospitals (指定戒癮治療機構) among the partners."""

ASSIGNMENT_AGENCIES: Final = (
    "SOCIAL",
    "BUREAU",
    "HEALTH",
    "LABOUR",
    "EDU",
    "YOUTH_COUNSEL",
    *HOSPITALS,
    "NGO_DAWNING",
    "NGO_MUEN",
    "NGO_LIBERTAS",
    "NGO_MICHAEL",
    "NGO_DPF",
    "NGO_AFTERCARE",
)
"""Agencies that receive assignments; one topic each, so each agency reads only its own work (need to know)."""

DISPATCH_TARGETS: Final = frozenset({"EDU", "YOUTH_COUNSEL"})
"""Where SOCIAL may dispatch (派案) a youth drug-use notice: in school → 教育局/校外會, not in school → 少輔會."""

REFERRAL_SOURCES: Final = (
    "POLICE",
    "PROS_KS",
    "PROS_CT",
    "PROS_MIL",
    "PRISON_KSP1",
    "PRISON_KSP2",
    "PRISON_KSDT",
    "PRISON_KSWP",
    "PRISON_KSWD",
    "JUV_COURT",
    "JUV_FAC_MYHS",
    "JUV_FAC_KSJD",
    "SOCIAL",
    "BUREAU",
)
"""Partners that send referrals or orders and pull what became of them: one status topic each (need to know).
PUBLIC (the web form) pulls nothing."""
