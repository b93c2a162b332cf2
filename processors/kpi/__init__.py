"""The central programme's indicators (中央補助計畫成果指標, seed 004), counted from the hub's own events.

Twice a year the bureau reports them (期中 by 7/20, 期末 by 1/31). Everything here is pure: plain decoded event
dicts go into :class:`~processors.kpi.facts.Facts`, :func:`~processors.kpi.report.build_report` turns them into
a :class:`~processors.kpi.model.Report` for a period. No Kafka, no clock, no key: nothing here can open a sealed
field, and the report names people only by their pseudonymous referral and subject ids.

One module per indicator family:

* :mod:`.youth` — youth drug-use notices dispatched within the deadline (兒少施用毒品通報依限派案率);
* :mod:`.employment` — clients referred to employment services (轉介有就業需求之藥癮個案比率);
* :mod:`.casework` — case-management coverage, contacts per client, contacts by type (個案管理服務落實情形);
* :mod:`.treatment` — deferred-prosecution treatment records (緩起訴附命戒癮治療紀錄上線率);
* :mod:`.transfer` — pre-release transfer meetings and the resources linked (出監轉銜);
* :mod:`.referrals` — referrals by kind, partner and outcome;
* :mod:`.timeliness` — SLA clocks per partner and clock, break points (斷點) by type.
"""
