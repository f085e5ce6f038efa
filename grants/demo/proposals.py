"""Demo proposals for round 7: twelve micro-projects drafted, submitted and screened through the
services (so the audit chain covers them), at moments inside the round's own windows.

Nine come from organisations (org1 … org10, one per organisation) and three from resident
teams (resident1 … resident3). Budgets are itemised; two sit exactly on the band edges
(¥5,000 and ¥15,000) and none breaks the round's 30 % personnel cap. All are screened
eligible except one, returned with a reason. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from grants.extensions import db
from grants.models import Community, FundingRound, Need, Proposal, User
from grants.services import proposals, rounds, screening
from grants.services.proposals import ActivityInput, LineInput, ProposalInput

ROUND_NAME = "第七届公益创投微项目 / 美好社区金点子提案大赛"
RETURNED_TITLE = "邻里议事角·有事好商量"
RETURN_REASON = "请补充议事会的具体安排（频次、议题征集方式）和预计参与的居民人数"


@dataclass(frozen=True)
class Demo:
    """One demo proposal: who applies, what for, and its itemised budget."""

    username: str
    title: str
    category: str
    community: str
    beneficiaries: str
    count: int
    background: str
    objectives: str
    activities: tuple[tuple[str, str, str], ...]
    lines: tuple[tuple[str, str, str, int], ...]
    team: tuple[str, ...] = ()


DEMOS: tuple[Demo, ...] = (
    Demo(
        "org1",
        "银龄助餐·邻里共享食堂",
        "助老",
        "东山社区",
        "社区 70 岁以上独居、空巢老人",
        60,
        "社区独居和空巢老人多，子女白天上班，老人自己做饭不便也不安全。",
        "在社区食堂每周一、三、五提供营养午餐，行动不便的老人由志愿者送餐上门。",
        (
            ("助餐日", "每周一、三、五 11:00", "东山社区食堂"),
            ("送餐上门", "每周一、三、五", "各楼栋"),
        ),
        (
            ("食材补贴", "materials", "25.00", 360),
            ("助餐志愿者餐补", "personnel", "15.00", 200),
            ("餐具与保温箱", "materials", "150.00", 10),
            ("宣传海报与菜单", "publicity", "50.00", 10),
            ("厨房用品", "materials", "1000.00", 1),
        ),
    ),
    Demo(
        "org2",
        "四点半课堂",
        "助幼",
        "上坊社区",
        "双职工和务工家庭的小学生",
        40,
        "小学下午三点多放学，父母六点后才下班，孩子放学后无人看护。",
        "开设课后托管课堂：作业辅导、阅读、手工，家长下班后接回。",
        (
            ("课后托管", "学期内每周一至周五 15:30–18:00", "上坊社区活动室"),
            ("结业展示", "学期末", "上坊社区广场"),
        ),
        (
            ("大学生志愿者交通补贴", "transport", "20.00", 150),
            ("社工带班劳务", "personnel", "200.00", 15),
            ("教辅材料与文具", "materials", "30.00", 100),
            ("手工材料包", "materials", "25.00", 80),
            ("结业展示活动", "activity", "1000.00", 1),
        ),
    ),
    Demo(
        "org3",
        "助残康复·上门训练指导",
        "助残",
        "竹山社区",
        "社区残疾儿童及其家长",
        16,
        "残疾儿童去康复机构路远、费用高，家长不会在家做训练。",
        "康复师每月上门指导，教会家长日常训练方法，配备基础训练器材。",
        (
            ("康复师上门", "每月两次", "服务对象家中"),
            ("家长培训课", "每季度一次", "竹山社区服务中心"),
        ),
        (
            ("康复师上门指导", "personnel", "150.00", 30),
            ("康复训练器材", "materials", "800.00", 8),
            ("家长培训课程", "activity", "500.00", 4),
            ("交通补贴", "transport", "30.00", 50),
            ("训练手册印制", "publicity", "12.00", 50),
        ),
    ),
    Demo(
        "org4",
        "邻里守望·高龄独居老人探访",
        "助老",
        "百家湖社区",
        "80 岁以上独居老人",
        45,
        "高龄独居老人出了意外无人知晓，子女不在身边。",
        "组建邻里守望志愿队，每周电话问候、每月上门探访并建立联络档案。",
        (("志愿者培训", "第一个月", "百家湖社区会议室"), ("上门探访", "每月一次", "老人家中")),
        (
            ("志愿者培训", "activity", "1500.00", 1),
            ("探访慰问包", "materials", "60.00", 80),
            ("志愿者保险", "other", "20.00", 50),
            ("联络手册印制", "publicity", "7.00", 100),
        ),
    ),
    Demo(
        "org5",
        "楼道微更新·绿色楼道",
        "环保",
        "金箔路社区",
        "金箔路社区 6 个老旧楼栋居民",
        320,
        "老旧楼道堆放杂物、墙面斑驳，既不美观又堵塞消防通道。",
        "组织居民清理楼道、摆放绿植、美化墙面，并共同制定楼道公约。",
        (("楼道大清理", "第一个周末", "6 个楼栋"), ("绿植认养", "第二个月起", "各楼道")),
        (
            ("绿植与花盆", "materials", "35.00", 60),
            ("楼道清理工具", "materials", "300.00", 3),
            ("墙面美化涂料", "materials", "1000.00", 1),
            ("居民议事会茶歇", "activity", "200.00", 2),
            ("宣传展板", "publicity", "300.00", 2),
        ),
    ),
    Demo(
        "org6",
        "邻里节·百家宴",
        "邻里文化",
        "岔路口社区",
        "岔路口社区新老居民",
        300,
        "小区新搬来很多年轻家庭，邻里互不相识。",
        "举办邻里节和百家宴，设置才艺展示和亲子游戏，让邻居们认识彼此。",
        (
            ("邻里节筹备会", "活动前一个月", "岔路口社区会议室"),
            ("百家宴", "国庆前的周六", "社区广场"),
        ),
        (
            ("场地布置", "venue", "1200.00", 1),
            ("活动物资", "materials", "40.00", 100),
            ("文艺演出", "activity", "800.00", 3),
            ("主持与摄影", "personnel", "600.00", 2),
            ("宣传物料", "publicity", "1200.00", 1),
        ),
    ),
    Demo(
        "org7",
        "暖冬行动·困难家庭关爱",
        "助困",
        "东新社区",
        "低保、低边和困难家庭",
        70,
        "部分困难家庭冬天舍不得取暖，老人和孩子容易生病。",
        "为困难家庭送去电热毯和棉被，社工上门评估并跟进个案。",
        (("入户走访评估", "11 月", "困难家庭家中"), ("物资发放", "12 月", "东新社区服务中心")),
        (
            ("电热毯", "materials", "120.00", 40),
            ("棉被", "materials", "100.00", 30),
            ("上门走访交通", "transport", "15.00", 40),
            ("社工个案跟进", "personnel", "100.00", 12),
        ),
    ),
    Demo(
        "org8",
        "青苗护航·防溺水安全教育",
        "助幼",
        "外港社区",
        "外港社区中小学生及家长",
        200,
        "社区周边河塘多，每年夏天都担心孩子玩水出事。",
        "开展防溺水安全课和应急演练，向家庭发放安全手册。",
        (("安全课", "暑假前三周", "外港社区活动室"), ("应急演练", "6 月底", "社区广场")),
        (
            ("安全讲师课酬", "personnel", "500.00", 3),
            ("救生演示器材", "materials", "1800.00", 1),
            ("宣传手册", "publicity", "5.00", 400),
            ("应急演练", "activity", "1200.00", 1),
        ),
    ),
    Demo(
        "org10",
        "楼后空地变身社区花园",
        "环保",
        "章村社区",
        "章村社区居民和儿童",
        150,
        "楼后空地长满杂草、堆放垃圾，居民希望改造成小花园。",
        "居民共建社区花园，设置厨余堆肥箱，组织亲子种植活动。",
        (("共建日", "春季", "章村社区 3 号楼后"), ("亲子种植课", "每月一次", "社区花园")),
        (
            ("土壤与种苗", "materials", "15.00", 400),
            ("园艺工具", "materials", "150.00", 12),
            ("堆肥箱", "materials", "600.00", 5),
            ("园艺导师", "personnel", "300.00", 6),
            ("开园活动", "activity", "1200.00", 1),
        ),
    ),
    Demo(
        "resident1",
        "银发智能手机课堂",
        "助老",
        "上坊社区",
        "不会使用智能手机的老年人",
        40,
        "很多老人不会用手机挂号、扫码付款，看病买菜都要找人帮忙。",
        "组织居民志愿者手把手教老人使用手机挂号、支付和视频通话。",
        (
            ("手机课堂", "每周二下午", "上坊社区活动室"),
            ("结业茶话会", "第三个月", "上坊社区活动室"),
        ),
        (
            ("教学用平板租用", "other", "100.00", 20),
            ("讲义印制", "publicity", "10.00", 60),
            ("志愿讲师餐补", "personnel", "30.00", 40),
            ("结业茶话会", "activity", "1200.00", 1),
        ),
        ("张桂兰", "刘建国", "陈秀英"),
    ),
    Demo(
        "resident2",
        RETURNED_TITLE,
        "邻里文化",
        "竹山社区",
        "竹山社区全体居民",
        500,
        "停车、加装电梯等事情居民没有地方一起商量。",
        "设立居民议事角，定期召开议事会，形成楼栋公约。",
        (("议事会", "每月一次", "竹山社区议事角"),),
        (
            ("议事角桌椅", "materials", "400.00", 8),
            ("白板与文具", "materials", "800.00", 1),
            ("议事会茶歇", "activity", "150.00", 12),
            ("议事规则手册", "publicity", "7.00", 200),
        ),
        ("刘建国", "杨志强", "黄美华", "赵德明"),
    ),
    Demo(
        "resident3",
        "便民服务日·家电义务维修队",
        "志愿服务",
        "百家湖社区",
        "社区老人和困难家庭",
        260,
        "老人家里小家电坏了不知道找谁修，理发、修鞋也要跑很远。",
        "组建居民义务维修队，每月举办一次便民服务日。",
        (("便民服务日", "每月第一个周六", "百家湖社区广场"),),
        (
            ("维修工具套装", "materials", "1200.00", 5),
            ("维修配件", "materials", "20.00", 150),
            ("志愿者餐补", "personnel", "25.00", 120),
            ("服务日场地", "venue", "500.00", 4),
            ("宣传横幅", "publicity", "250.00", 4),
        ),
        ("陈秀英", "周玉珍", "吴海涛"),
    ),
)


def _need_ids(round_id: int, category: str) -> tuple[int, ...]:
    """The two most supported needs of the round in the proposal's category."""
    query = (
        select(Need.id)
        .where(Need.round_id == round_id, Need.category == category, Need.status != "merged")
        .order_by(Need.support_count.desc(), Need.id)
        .limit(2)
    )
    return tuple(db.session.scalars(query))


def _input(demo: Demo, user: User, funding_round: FundingRound) -> ProposalInput:
    """The proposal as its applicant would type it."""
    community = db.session.scalar(select(Community).where(Community.name == demo.community))
    return ProposalInput(
        title=demo.title,
        community_id=community.id if community else None,
        category=demo.category,
        need_ids=_need_ids(funding_round.id, demo.category),
        beneficiaries=demo.beneficiaries,
        beneficiary_count=str(demo.count),
        background=demo.background,
        objectives=demo.objectives,
        outcomes=f"预计 {demo.count} 人直接受益，活动记录和满意度回访结果按季度公开。",
        activities=tuple(ActivityInput(*row) for row in demo.activities),
        budget=tuple(LineInput(item, cat, price, str(qty)) for item, cat, price, qty in demo.lines),
        team=demo.team,
        contact_name=user.display_name,
        contact_phone=user.phone,
    )


def _existing(funding_round: FundingRound, user: User, title: str) -> Proposal | None:
    """The demo proposal if an earlier run created it."""
    return db.session.scalar(
        select(Proposal).where(
            Proposal.round_id == funding_round.id,
            Proposal.applicant_id == user.id,
            Proposal.title == title,
        )
    )


def _bring_forward(demo: Demo, user: User, funding_round: FundingRound, organizer: User) -> bool:
    """Draft, submit and screen one demo proposal as far as it has not gone yet."""
    phases = rounds.phases_of(funding_round)
    drafting = phases.submit_close - timedelta(days=3)
    proposal = _existing(funding_round, user, demo.title)
    made = proposal is None
    if proposal is None:
        proposal = proposals.create_draft(user, funding_round.id, now=drafting)
    if proposal.status == "draft":
        proposals.submit(user, proposal.id, _input(demo, user, funding_round), now=drafting)
    if proposal.status == "submitted":
        returned = demo.title == RETURNED_TITLE
        screening.decide(
            organizer,
            [proposal.id],
            "return" if returned else "mark_eligible",
            RETURN_REASON if returned else "",
            now=phases.submit_close + timedelta(days=1),
        )
    return made


def seed() -> Iterator[str]:
    """Create round 7's twelve demo proposals (skipping those that exist), reporting counts."""
    funding_round = db.session.scalar(select(FundingRound).where(FundingRound.name == ROUND_NAME))
    if funding_round is None:
        yield "proposals: round 7 not found, run the round seeding first"
        return
    organizer = db.session.scalar(select(User).where(User.username == "organizer"))
    users = {
        u.username: u
        for u in db.session.scalars(
            select(User).where(User.username.in_([demo.username for demo in DEMOS]))
        )
    }
    made = sum(
        _bring_forward(demo, users[demo.username], funding_round, organizer)
        for demo in DEMOS
        if demo.username in users
    )
    yield f"proposals: +{made}"
