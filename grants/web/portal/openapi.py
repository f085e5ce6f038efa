"""The OpenAPI 3.1 document of the read-only JSON API, served at ``/api/v1/openapi.json``.

Written as data next to the views it describes; the test suite runs schemathesis against it,
so a response that leaves this description (a field missing, a wrong type, an undeclared
status) fails the tests.
"""

from __future__ import annotations

INT = {"type": "integer"}
FEN = {"type": "integer", "description": "金额，单位：分"}
TEXT = {"type": "string"}
DAY = {"type": "string", "format": "date"}


def _object(properties: dict, **extra) -> dict:
    """An object schema whose every listed property is required."""
    return {"type": "object", "properties": properties, "required": sorted(properties), **extra}


ROUND = _object({
    "id": INT, "name": TEXT, "round_no": INT, "district": TEXT, "street": TEXT,
    "pool_fen": FEN, "funded_fen": FEN, "noticed_fen": FEN, "funded_count": INT,
    "paid_fen": FEN, "accepted_fen": FEN, "implementation_start": DAY,
    "implementation_end": DAY,
})
PROJECT = _object({
    "id": INT, "round_id": INT, "round_name": TEXT, "title": TEXT, "category": TEXT,
    "applicant": {"type": "string", "description": "社会组织名称，或居民团队（负责人仅保留姓氏）"},
    "resident_team": {"type": "boolean"}, "community": TEXT, "status": TEXT,
    "requested_fen": FEN, "amount_fen": FEN, "paid_fen": FEN, "accepted_fen": FEN,
})
TRANCHE = _object({"sequence": INT, "share_bp": INT, "amount_fen": FEN, "gate": TEXT,
                   "status": TEXT, "paid_fen": FEN})
DISBURSEMENT = _object({"value_date": DAY, "amount_fen": FEN})
NEED = _object({"id": INT, "title": TEXT, "category": TEXT})
PROJECT_DETAIL = {"allOf": [{"$ref": "#/components/schemas/Project"}, _object({
    "implementation_start": DAY, "implementation_end": DAY,
    "tranches": {"type": "array", "items": {"$ref": "#/components/schemas/Tranche"}},
    "disbursements": {"type": "array", "items": {"$ref": "#/components/schemas/Disbursement"}},
    "needs": {"type": "array", "items": {"$ref": "#/components/schemas/Need"}},
})]}
LINE = _object({"item": TEXT, "cost_category": TEXT, "approved_fen": FEN, "adjusted_fen": FEN,
                "accepted_fen": FEN})
SPENDING = _object({"project_id": INT, "accepted_fen": FEN,
                    "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}}})
CATEGORY = _object({"cost_category": TEXT, "approved_fen": FEN, "accepted_fen": FEN})
ERROR = _object({"error": TEXT, "status": INT})


def _json(schema: dict, description: str) -> dict:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


QUERY_TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"}
"""A query text: control characters other than tab and line breaks are refused (400) at the
edge, as in every form of the platform."""

ERRORS = {"400": _json(_ref("Error"), "参数不是整数，或文字含有控制字符"),
          "404": _json(_ref("Error"), "没有这条记录")}


def _path_id(name: str, description: str) -> dict:
    """A path parameter holding a row id."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer"}}


def _query(name: str, schema: dict, description: str) -> dict:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _get(operation_id: str, summary: str, ok: dict, parameters: list | None = None) -> dict:
    """A GET operation answering ``ok`` or a JSON error."""
    return {"get": {"operationId": operation_id, "summary": summary,
                    "parameters": parameters or [], "responses": {"200": ok, **ERRORS}}}


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    round_id = _path_id("round_id", "赛事编号")
    project_id = _path_id("project_id", "项目（立项）编号")
    return {
        "openapi": "3.1.0",
        "info": {"title": "金点子公益创投 公开数据接口", "version": "1.0.0",
                 "description": "只读接口：赛事与资金池、已立项项目、拨付与支出。金额单位为分（整数）。"
                                "不含任何个人信息。"},
        "paths": {
            "/api/v1/rounds": _get("listRounds", "全部赛事", _json(
                _object({"rounds": {"type": "array", "items": _ref("Round")}}), "赛事列表")),
            "/api/v1/rounds/{round_id}": _get("getRound", "一个赛事", _json(_ref("Round"), "赛事"),
                                              [round_id]),
            "/api/v1/projects": _get("listProjects", "已立项项目（分页）", _json(_object({
                "projects": {"type": "array", "items": _ref("Project")},
                "page": INT, "pages": INT, "count": INT}), "项目列表"), [
                _query("round_id", {"type": "integer"}, "只看某个赛事"),
                _query("category", {**QUERY_TEXT, "maxLength": 20}, "项目类别"),
                _query("q", {**QUERY_TEXT, "maxLength": 50}, "项目名称或机构名称中的文字"),
                _query("page", {"type": "integer", "minimum": 1}, "页码"),
            ]),
            "/api/v1/projects/{project_id}": _get(
                "getProject", "一个项目：分期拨付、付款与回应的需求",
                _json(_ref("ProjectDetail"), "项目"), [project_id]),
            "/api/v1/projects/{project_id}/spending": _get(
                "getProjectSpending", "一个项目按预算科目的已认可支出",
                _json(_ref("Spending"), "支出"), [project_id]),
            "/api/v1/spending": _get("getSpendingByCategory", "按费用类别的预算与已认可支出",
                                     _json(_object({
                                         "round_id": {"type": ["integer", "null"]},
                                         "categories": {"type": "array",
                                                        "items": _ref("Category")}}),
                                         "支出汇总"),
                                     [_query("round_id", {"type": "integer"}, "只看某个赛事")]),
        },
        "components": {"schemas": {
            "Round": ROUND, "Project": PROJECT, "ProjectDetail": PROJECT_DETAIL,
            "Tranche": TRANCHE, "Disbursement": DISBURSEMENT, "Need": NEED, "Line": LINE,
            "Spending": SPENDING, "Category": CATEGORY, "Error": ERROR,
        }},
    }
