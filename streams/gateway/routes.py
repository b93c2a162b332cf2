"""Every route of the gateway, declared once: method, path, who may call it, and why it exists.

The declaration drives three things: the gate every request passes (streams/gateway/auth.py), the OpenAPI
document's security and refusal answers, and the test that walks every route with every kind of caller. A
route not declared here is not served.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.access.roles import Access


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: Access
    summary: str
    purpose: str
    """Why personal data may cross this route (the audit event's purpose of use), or what the call is for."""


SUBMISSIONS = Route(
    "POST",
    "/v1/submissions",
    Access.PARTNER,
    "Post a partner's own file; 202 + receipt once every record is durable",
    "受理轉介 (毒品危害防制條例第2條之1)",
)
REFERRAL = Route(
    "GET",
    "/v1/referrals/{referral_id}",
    Access.SOURCE,
    "A referral's state per destination (its source partner and operators)",
    "轉介追蹤 (毒品危害防制條例第2條之1第1項第6款)",
)
ASSIGNMENTS = Route(
    "GET",
    "/v1/outbox/assignments",
    Access.PARTNER,
    "The partner's assignments and erasure notices, in its own format",
    "派案 (各轉介之法律依據)",
)
STATUS = Route(
    "GET",
    "/v1/outbox/status",
    Access.PARTNER,
    "What became of the referrals the partner sent (and a court's ERASURE_COMPLETED answers)",
    "閉環回覆 (毒品危害防制條例第2條之1)",
)
REPORTS = Route(
    "GET",
    "/v1/outbox/reports",
    Access.PARTNER,
    "A prosecutors' office's monthly progress reports (處遇進度報告)",
    "緩起訴處遇進度 (刑事訴訟法第253條之2)",
)
KEY_RELEASE = Route(
    "POST",
    "/v1/keys/release",
    Access.PARTNER,
    "The keys of the partner's own per-destination views, for a case system reading its topic directly",
    "派案 (各轉介之法律依據)",
)
REPLAY = Route(
    "POST",
    "/v1/admin/replay",
    Access.OPERATOR,
    "Re-run a partner's stored records through the current adapters",
    "維運：轉換程式修正後重新處理",
)
CLOCK_READ = Route("GET", "/v1/admin/clock", Access.OPERATOR, "The hub's clock", "維運：時鐘查詢")
CLOCK_MOVE = Route(
    "POST", "/v1/admin/clock", Access.OPERATOR, "Move a test deployment's clock forward", "測試：推進時鐘"
)
AUDIT = Route(
    "GET",
    "/v1/audit",
    Access.OPERATOR,
    "Who saw a person's data, when, and which fields (JSON lines)",
    "稽核 (個人資料保護法第18條)",
)
KPI_REPORT = Route(
    "GET",
    "/v1/reports/kpi",
    Access.OPERATOR,
    "The programme's indicators for a period (成果指標): HTML page, or JSON",
    "成果指標報表 (毒品危害防制中心計畫期中、期末成果)",
)
DLQ_LIST = Route(
    "GET",
    "/v1/admin/dead-letters",
    Access.OPERATOR,
    "What was refused, why, for which partner: counts by partner × code over a window, and its dead letters",
    "維運：退件分析",
)
DLQ_SHOW = Route(
    "GET",
    "/v1/admin/dead-letters/{submission_id}/{record_no}",
    Access.OPERATOR,
    "One dead letter in full (whether its sealed original is stored and readable; never its bytes)",
    "維運：退件分析",
)
DLQ_REPLAY = Route(
    "POST",
    "/v1/admin/dead-letters/{submission_id}/{record_no}/replay",
    Access.OPERATOR,
    "Re-run one dead letter's original record through the current adapters",
    "維運：轉換程式修正後重新處理",
)
OPENAPI = Route("GET", "/openapi.json", Access.ANYONE, "This API's OpenAPI description", "說明文件")
ASYNCAPI = Route("GET", "/asyncapi.json", Access.ANYONE, "Every topic's AsyncAPI description", "說明文件")
HEALTH = Route("GET", "/healthz", Access.ANYONE, "Whether this worker is alive (a liveness probe)", "健康檢查")
READY = Route(
    "GET",
    "/readyz",
    Access.ANYONE,
    "Whether this worker may take traffic now (a readiness probe: tables restored, partitions held)",
    "就緒檢查",
)

PEER_RECORDS = Route(
    "POST",
    "/internal/v1/records",
    Access.PEER,
    "Another worker hands over the records whose referrals this worker owns, for it to decide and write",
    "受理轉介 (由該轉介所屬之工作節點決定)",
)
PEER_SUBJECTS = Route(
    "POST",
    "/internal/v1/subjects",
    Access.PEER,
    "Another worker asks for the subject of a lookup key this worker owns, made if there is none",
    "個案代號 (一人一號)",
)
PEER_TABLES = Route(
    "POST",
    "/internal/v1/tables",
    Access.PEER,
    "Another worker reads rows of this worker's tables: by key, or every owned row that matches",
    "跨工作節點查詢",
)

ROUTES: tuple[Route, ...] = (
    SUBMISSIONS,
    REFERRAL,
    ASSIGNMENTS,
    STATUS,
    REPORTS,
    KEY_RELEASE,
    REPLAY,
    CLOCK_READ,
    CLOCK_MOVE,
    AUDIT,
    KPI_REPORT,
    DLQ_LIST,
    DLQ_SHOW,
    DLQ_REPLAY,
    OPENAPI,
    ASYNCAPI,
    HEALTH,
    READY,
    PEER_RECORDS,
    PEER_SUBJECTS,
    PEER_TABLES,
)
