"""Public portal pages (``/open/``): no login, phone-friendly, nothing private.

Each view asks :mod:`grants.services.portal` for plain rows and draws them; charts come from
:mod:`grants.web.portal.charts`.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from grants.domain.inputs import parse_row_id
from grants.domain.permissions import policies
from grants.domain.tranches import GATE_LABELS
from grants.services import rounds as round_service
from grants.services.portal import announcements, opendata, queries
from grants.web.access import requires
from grants.web.csv_stream import csv_chunks
from grants.web.paging import Pager
from grants.web.portal import charts

bp = Blueprint("portal", __name__, url_prefix="/open")
CHECKPOINT_PATH = "/log/checkpoint"


def _page() -> int:
    """The requested page number (1 when missing or not a number)."""
    return max(request.args.get("page", 1, type=parse_row_id) or 1, 1)


def _round_arg() -> int | None:
    """The round filter of the request, when it is a number."""
    return request.args.get("round_id", type=parse_row_id)


def checkpoint_url() -> str | None:
    """The latest audit checkpoint's public address, once the audit-log pages serve one."""
    rules = current_app.url_map.iter_rules()
    return CHECKPOINT_PATH if any(rule.rule == CHECKPOINT_PATH for rule in rules) else None


def notice_group_labels() -> dict[str, str]:
    """How a noticed award ended, in the reader's language."""
    return {"confirmed": _("确认立项"), "revoked": _("撤销立项"), "in_notice": _("公示中"),
            "other": _("其他")}


@bp.get("/")
@requires(policies.PUBLIC)
def index():
    """The portal's front page: rounds and pools, the charts, announcements, where to go next."""
    summaries = queries.round_summaries()
    latest, _pages = announcements.published(1, 5)
    return render_template(
        "portal/index.html", summaries=summaries, pool_chart=charts.pool_use(summaries),
        paid_chart=charts.disbursement(summaries),
        category_chart=charts.by_category(queries.spending_by_category()),
        announcements=latest, checkpoint_url=checkpoint_url())


@bp.get("/rounds/<int:round_id>")
@requires(policies.PUBLIC)
def round_page(round_id: int):
    """One round: its pool, its funded projects and its spending by cost category."""
    summary = queries.round_summary(round_id) or abort(404)
    found = queries.project_page(queries.ProjectFilters(round_id=round_id), _page())
    return render_template(
        "portal/round.html", summary=summary, found=found, page=Pager(found.page, found.pages),
        category_chart=charts.by_category(queries.spending_by_category(round_id)))


@bp.get("/projects")
@requires(policies.PUBLIC)
def projects():
    """Funded projects: search by title or organisation, filter by round and category."""
    filters = queries.ProjectFilters.of(request.args.get("q"), _round_arg(),
                                        request.args.get("category"))
    found = queries.project_page(filters, _page())
    return render_template(
        "portal/projects.html", found=found, filters=filters, page=Pager(found.page, found.pages),
        rounds=queries.round_summaries(), categories=queries.categories_of_rounds())


@bp.get("/projects/<int:award_id>")
@requires(policies.PUBLIC)
def project(award_id: int):
    """One funded project: award, tranches paid, spending by budget line, needs answered."""
    detail = queries.project_detail(award_id) or abort(404)
    return render_template("portal/project.html", detail=detail, gate_labels=GATE_LABELS,
                           line_chart=charts.by_line(detail.lines))


@bp.get("/needs")
@requires(policies.PUBLIC)
def needs():
    """Residents' needs and the funded projects that answered them."""
    filters = queries.NeedFilters.of(_round_arg(), request.args.get("category"),
                                     request.args.get("answered"))
    found = queries.need_page(filters, _page())
    return render_template(
        "portal/needs.html", found=found, filters=filters, page=Pager(found.page, found.pages),
        rounds=round_service.list_rounds(), categories=queries.need_categories())


@bp.get("/notices")
@requires(policies.PUBLIC)
def notices():
    """Every public notice and how it ended (awards confirmed or revoked, objections ruled)."""
    return render_template("portal/notices.html", outcomes=queries.notice_outcomes(),
                           groups=notice_group_labels())


@bp.get("/announcements")
@requires(policies.PUBLIC)
def announcement_list():
    """The published announcements, newest first."""
    rows, pages = announcements.published(_page())
    return render_template("portal/announcements.html", rows=rows,
                           page=Pager(min(_page(), pages), pages))


@bp.get("/announcements/<int:announcement_id>")
@requires(policies.PUBLIC)
def announcement(announcement_id: int):
    """One published announcement."""
    row = announcements.public(announcement_id) or abort(404)
    return render_template("portal/announcement.html", row=row)


@bp.get("/data")
@requires(policies.PUBLIC)
def data():
    """What can be downloaded: the 360Giving package, the CSV and the JSON API."""
    return render_template("portal/data.html", count=opendata.funded_count(),
                           prefix=opendata.prefix(), checkpoint_url=checkpoint_url())


@bp.get("/data/360giving.json")
@requires(policies.PUBLIC)
def package():
    """The 360Giving Data Standard package of every funded award (404 before any)."""
    text = opendata.package_json() or abort(404)
    return Response(text, mimetype="application/json",
                    headers={"Content-Disposition": "inline; filename=360giving.json"})


@bp.get("/data/grants.csv")
@requires(policies.PUBLIC)
def grants_csv():
    """The same grants as a CSV with the 360Giving column titles (one line per funded award,
    so it is built whole rather than streamed)."""
    rows = opendata.csv_rows()
    header = next(rows)
    return Response("".join(csv_chunks(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=grants.csv"})


from grants.web.portal import manage  # noqa: E402,F401  (the organizer's routes on this blueprint)
