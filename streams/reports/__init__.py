"""The KPI report (成果指標報表) read from the hub's topics: ``refhub report`` and ``GET /v1/reports/kpi``.

:mod:`.source` reads the topics each indicator counts up to their high-water marks when the read begins, folds
the decoded events into :class:`processors.kpi.facts.Facts` and builds the report; :mod:`.render` writes it as
Markdown, CSV, JSON or an HTML page with charts.
"""
