"""Demo announcements (公告) on the public portal, written and published by the organizer
through the announcement service (so audited). Each is looked up by its title first: seeding
again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from grants.extensions import db
from grants.models import User
from grants.models.announcements import Announcement
from grants.services.portal import announcements

PUBLISHED = (
    (
        "第七届公益创投微项目立项结果公告",
        "<p>经资格审查、专家评审和立项公示，<strong>第七届公益创投微项目</strong>共确认立项 9 个，"
        "公示期内收到的异议均已依法处理。</p>"
        "<ul><li>各项目已签订资助协议，首期资金按协议拨付；</li>"
        "<li>项目进展、拨付和经财务认可的支出在本平台“信息公开”栏目持续公开；</li>"
        "<li>开放数据可按 360Giving 数据标准下载。</li></ul>"
        "<p>欢迎居民监督。</p>",
    ),
)
DRAFTS = (
    (
        "第八届公益创投社区需求征集启动",
        "<p>第八届公益创投微项目现面向东山街道居民征集社区需求，请在“社区需求”栏目提交或为需求"
        "“+1”。</p>",
    ),
)


def _existing_titles() -> set[str]:
    """Titles of the announcements already made."""
    return set(db.session.scalars(select(Announcement.title)))


def seed() -> Iterator[str]:
    """One published announcement and one draft, each made once."""
    organizer = db.session.scalar(select(User).where(User.username == "organizer"))
    if organizer is None:
        yield "announcements: the organizer account not found, skipped"
        return
    existing = _existing_titles()
    made = 0
    for title, body in PUBLISHED + DRAFTS:
        if title in existing:
            continue
        row = announcements.create(title, body, organizer)
        if (title, body) in PUBLISHED:
            announcements.publish(row.id, organizer)
        made += 1
    yield f"announcements: +{made}"
