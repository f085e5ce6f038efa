"""Demo data mirroring 江宁区 东山街道, made only through the services (so audited as real use).

This package holds the demo's steps: communities, staff, residents and organisations here, then
rounds and needs (:mod:`.rounds`), proposals (:mod:`.proposals`), judging (:mod:`.judging`),
awards (:mod:`.awards`), disbursement (:mod:`.finance`), expenses (:mod:`.expenses`) and
evaluations (:mod:`.evaluations`). Every step checks what exists
first, so running ``flask seed-demo`` again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from stdnum.cn import uscc

from grants.extensions import db
from grants.models import Community, User
from grants.services import accounts, needs

DEMO_PASSWORD = "Jindianzi-2026"  # noqa: S105 — the demo's published password (README)
DISTRICT, STREET = "江宁区", "东山街道"
COMMUNITIES = ("东山社区", "上坊社区", "竹山社区", "百家湖社区", "金箔路社区", "岔路口社区",
               "东新社区", "外港社区", "章村社区", "佘村社区", "青山社区", "泥塘社区")
STAFF = (
    ("admin", "系统管理员", ("admin",)),
    ("organizer", "东山街道民政科 王敏", ("organizer",)),
    ("organizer2", "江宁区民政局 陈立", ("organizer",)),
    ("finance1", "财务 李静", ("finance",)),
    ("finance2", "财务 周强", ("finance",)),
    ("auditor", "区纪工委监督员 孙华", ("auditor",)),
) + tuple((f"judge{i}", f"评审专家{name}", ("judge",)) for i, name in enumerate(
    ("赵教授", "钱老师", "孙社工", "李律师", "周会计", "吴主任", "郑研究员"), start=1))
RESIDENTS = ("张桂兰", "刘建国", "陈秀英", "杨志强", "黄美华", "赵德明", "周玉珍", "吴海涛",
             "徐丽娟", "孙宝林", "胡晓燕", "朱永康", "高淑芬", "林振华", "何翠萍", "郭长青")
ORGANISATIONS = (
    "江宁区东山街道阳光助老服务中心", "江宁区童心社会工作服务社", "江宁区助残之家康复服务中心",
    "江宁区邻里守望志愿者协会", "江宁区绿色楼道环保促进会", "江宁区和美社区文化发展中心",
    "江宁区暖心困难家庭帮扶中心", "江宁区青禾青少年成长服务社", "江宁区银龄互助服务中心",
    "江宁区百家湖社区营造促进中心", "江宁区乐活健康服务社", "江宁区同心社会工作发展中心",
)


def demo_uscc(index: int) -> str:
    """A valid 统一社会信用代码 for a civil-affairs-registered (5, 2) Jiangning organisation."""
    base = f"52320115MJ{index:07d}"
    return base + uscc.calc_check_digit(base)


def _exists(username: str) -> bool:
    return db.session.scalar(select(func.count(User.id)).where(User.username == username)) > 0


def seed_communities() -> int:
    """The street's communities."""
    return needs.ensure_communities(DISTRICT, STREET, COMMUNITIES)


def seed_staff() -> int:
    """One account per staff role (two finance officers for four-eyes), seven judges."""
    made = 0
    for username, name, roles in STAFF:
        if not _exists(username):
            accounts.create_staff_user(username, name, DEMO_PASSWORD, roles)
            made += 1
    return made


def seed_residents() -> int:
    """Residents spread over the communities."""
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    made = 0
    for i, name in enumerate(RESIDENTS, start=1):
        if not _exists(f"resident{i}"):
            accounts.register_resident(f"resident{i}", name, DEMO_PASSWORD, f"1380000{i:04d}",
                                       communities[i % len(communities)].id)
            made += 1
    return made


def seed_organisations() -> int:
    """Twelve social organisations with valid codes, each with one member account."""
    made = 0
    for i, name in enumerate(ORGANISATIONS, start=1):
        if _exists(f"org{i}"):
            continue
        details = accounts.OrgDetails(
            name=name, uscc=demo_uscc(i), contact_name=f"{name[3:5]}负责人",
            contact_phone=f"1391234{i:04d}", address=f"{DISTRICT}{STREET}{COMMUNITIES[i % 12]}",
            bank_name="江苏银行江宁支行", bank_account=f"62220210{i:011d}")
        accounts.register_organisation(f"org{i}", f"{name[3:7]}联络员", DEMO_PASSWORD, details)
        made += 1
    return made


def seed_all() -> Iterator[str]:
    """Run every seeding step and report what each added, then the demo logins."""
    yield f"communities: +{seed_communities()}"
    yield f"staff: +{seed_staff()}"
    yield f"residents: +{seed_residents()}"
    yield f"organisations: +{seed_organisations()}"
    from grants.demo import (
        announcements,
        awards,
        evaluations,
        expenses,
        finance,
        followup,
        judging,
        proposals,
        rounds,
    )

    for module in (rounds, proposals, judging, awards, finance, expenses, evaluations, followup,
                   announcements):
        yield from module.seed()
    from grants.demo import checkpoints, security

    yield from security.seed()  # enrols every staff account the steps above made
    yield from checkpoints.seed()  # last: it signs what every step above wrote
    yield from demo_logins()
    yield from security.demo_code_lines()


def demo_logins() -> Iterator[str]:
    """The accounts to try, one per role, all with the demo password."""
    yield f"demo logins (password: {DEMO_PASSWORD}):"
    for username, role in (("admin", "管理员"), ("organizer", "主办方"), ("finance1", "财务"),
                           ("finance2", "财务(复核)"), ("auditor", "审计"), ("judge1", "评审专家"),
                           ("resident1", "居民"), ("org1", "社会组织"),
                           ("pinggu1", "第三方评估")):
        yield f"  {username:<10} {role}"
