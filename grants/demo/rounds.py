"""Demo rounds and resident needs for 东山街道, created through the services (so audited).

Round 7 (the source material's round) is in expert judging now: its 104 needs were collected
and proposals submitted in the past. Round 8 has just opened for needs and proposals. Phase
dates are set relative to today (Beijing time), so the demo is in the same state whenever it is
seeded. Every step looks up what exists first, so seeding twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from grants.domain.band import SITE_BAND
from grants.domain.budget import CategoryCap
from grants.domain.clock import local_date, now_utc
from grants.domain.money import yuan
from grants.domain.phases import SHANGHAI, RoundPhases
from grants.extensions import db
from grants.models import FundingRound, Need, User
from grants.services import needs, rounds
from grants.services.rounds import RoundData

ROUND7_NAME = "第七届公益创投微项目 / 美好社区金点子提案大赛"
ROUND8_NAME = "第八届公益创投微项目"
ROUND7_NEEDS = 104
ROUND8_NEEDS = 12
RESIDENT_COUNT = 16
# How many residents support a need: most needs get a few, some are very popular.
SUPPORT_SPREAD = (0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 13)

# (category, title, description): each is posted twice in round 7, from different residents.
NEED_TEXTS: tuple[tuple[str, str, str], ...] = (
    (
        "助老",
        "独居老人午餐没人做，希望办社区助餐点",
        "小区里独居和空巢老人多，子女白天上班，老人自己做饭不方便也不安全，希望社区办一个助餐点，提供价格实惠的午餐。",
    ),
    (
        "助老",
        "老年人不会用智能手机挂号、付款",
        "很多老人不会用手机挂号、扫码付款，去医院、买菜都要找人帮忙，希望有人定期手把手教一教。",
    ),
    (
        "助老",
        "楼道没有扶手，老人上下楼容易摔",
        "老小区没有电梯，楼道台阶陡，七八十岁的老人上下楼很吃力，希望在楼道加装扶手和防滑条。",
    ),
    (
        "助老",
        "失能老人家属需要喘息服务",
        "家里有卧床老人，家属长期照护身心疲惫，希望有专业人员每周上门几小时，让家属能歇一歇。",
    ),
    (
        "助老",
        "社区缺少老年人活动室",
        "老人们只能在小区门口晒太阳聊天，下雨天没地方去，希望把闲置用房改成活动室，放些棋牌和书报。",
    ),
    (
        "助老",
        "高龄独居老人需要定期探访",
        "有些八十岁以上的老人独自居住，出了事都没人知道，希望组织志愿者定期上门看看、打个电话。",
    ),
    (
        "助老",
        "老年人慢性病健康管理讲座",
        "高血压、糖尿病老人多，但对用药和饮食了解不多，希望请社区医生定期来讲课、量血压。",
    ),
    (
        "助幼",
        "双职工家庭孩子放学后无人看护",
        "小学三点多就放学，父母六点以后才下班，孩子只能在外面游荡，希望开设课后“四点半课堂”。",
    ),
    (
        "助幼",
        "暑假孩子没地方去",
        "暑假两个月孩子整天在家看手机，希望社区办暑期托管班，安排阅读、手工和体育活动。",
    ),
    (
        "助幼",
        "小区儿童游乐设施老旧",
        "小区里的滑梯和秋千锈得厉害，有的螺丝都松了，孩子玩着很危险，希望维修或更换。",
    ),
    (
        "助幼",
        "社区缺少亲子阅读空间",
        "附近没有适合孩子的图书角，希望在社区设一个绘本阅读区，周末组织亲子共读。",
    ),
    (
        "助幼",
        "青少年心理健康需要关注",
        "孩子进入青春期后学习压力大、和家长沟通少，希望有社工或心理老师开展讲座和小组活动。",
    ),
    (
        "助幼",
        "务工家庭子女缺少课业辅导",
        "小区里不少外来务工家庭，父母辅导不了孩子作业，希望有大学生志愿者每周来帮忙。",
    ),
    (
        "助幼",
        "儿童防溺水安全教育",
        "夏天附近河塘多，每年都担心孩子玩水出事，希望组织防溺水安全教育和应急演练。",
    ),
    (
        "助残",
        "残疾人出行缺少无障碍坡道",
        "小区和社区服务中心门口都是台阶，坐轮椅的居民进不去，希望修建无障碍坡道。",
    ),
    (
        "助残",
        "心智障碍青年白天无处可去",
        "家里的孩子成年了，白天父母上班没人照看，希望有日间照料和简单的职业训练。",
    ),
    (
        "助残",
        "视障居民需要读报和陪同就医",
        "社区有几位视力残疾的居民，看不了通知、去医院也不方便，希望有志愿者定期读报和陪同。",
    ),
    (
        "助残",
        "残疾儿童家庭康复训练指导",
        "家里有脑瘫孩子，去康复机构路远费用高，希望有康复师上门指导家长做训练。",
    ),
    (
        "助残",
        "听障居民办事沟通困难",
        "社区办事、看病时听障居民沟通很困难，希望培训一些会手语的志愿者。",
    ),
    (
        "助残",
        "残疾人就业技能培训",
        "一些肢体残疾的居民有劳动能力但找不到工作，希望开设电商客服、手工编织等技能培训。",
    ),
    (
        "助困",
        "困难家庭孩子学习用品短缺",
        "低保和困难家庭的孩子开学时买不齐文具和书包，希望社区募集学习用品。",
    ),
    (
        "助困",
        "困难家庭冬季取暖困难",
        "有的困难家庭冬天舍不得开空调，老人孩子冻得生病，希望送去电热毯和棉被。",
    ),
    (
        "助困",
        "失业家庭需要就业帮扶",
        "家里顶梁柱失业后收入断了，希望社区能提供就业信息、推荐岗位和技能培训。",
    ),
    (
        "助困",
        "大病家庭缺少心理支持",
        "家里有人得了重病，医疗费压力大，家属情绪也很低落，希望有社工陪伴并帮忙链接救助资源。",
    ),
    (
        "助困",
        "单亲妈妈家庭需要互助",
        "单亲妈妈既要上班又要带孩子，遇到困难没人帮，希望建立互助小组。",
    ),
    (
        "助困",
        "困难老人家中电线老化",
        "几户困难老人家里电线老化、插座发黑，有安全隐患，自己没钱修，希望帮助改造。",
    ),
    (
        "环保",
        "垃圾分类投放点脏乱",
        "小区垃圾分类投放点经常满溢，周边有异味，很多居民分不清怎么分，希望有人督导和宣传。",
    ),
    (
        "环保",
        "楼道堆放杂物堵塞消防通道",
        "楼道里堆满纸箱、旧家具和电动车，既脏又挡消防通道，希望组织清理并建立长效管理。",
    ),
    (
        "环保",
        "楼后空地改造为社区花园",
        "楼后面有块空地长满杂草，希望组织居民一起改造成社区小菜园、小花园。",
    ),
    (
        "环保",
        "旧衣旧物缺少回收渠道",
        "家里很多旧衣服、旧玩具扔了可惜，希望设置回收点或定期办旧物交换市集。",
    ),
    (
        "环保",
        "小区边河道水质变差",
        "小区边的小河夏天有异味，还有人往里倒垃圾，希望组织护河志愿队巡河和宣传。",
    ),
    (
        "环保",
        "厨余垃圾堆肥试点",
        "每天厨余垃圾很多，希望在小区试点堆肥箱，把厨余变成花肥，用在社区花园里。",
    ),
    (
        "环保",
        "电动车进楼道充电有隐患",
        "很多人把电动车推进楼道充电，非常危险，希望增设集中充电桩并宣传安全知识。",
    ),
    (
        "邻里文化",
        "小区缺少居民议事空间",
        "居民遇到停车、加装电梯这些事没地方商量，希望设立议事角，定期开居民议事会。",
    ),
    (
        "邻里文化",
        "新老居民互不相识",
        "小区新搬来很多年轻人，邻里之间见面都不打招呼，希望办邻里节、百家宴拉近距离。",
    ),
    (
        "邻里文化",
        "广场舞噪音扰民需要协调",
        "晚上广场舞音响声音太大，影响学生学习和老人休息，希望协调时间地点、换用定向音响。",
    ),
    (
        "邻里文化",
        "社区传统节日活动太少",
        "希望在端午、中秋等节日组织包粽子、做月饼、猜灯谜活动，让孩子了解传统文化。",
    ),
    (
        "邻里文化",
        "居民想学书法、剪纸等手艺",
        "不少退休居民有书法、剪纸、编织的手艺，也有人想学，希望搭个平台开兴趣班。",
    ),
    (
        "邻里文化",
        "楼栋公约需要共同制定",
        "养狗、晾晒、停车矛盾多，希望组织楼栋居民一起商量制定楼栋公约。",
    ),
    (
        "邻里文化",
        "社区宣传栏内容陈旧",
        "宣传栏好久没更新，希望居民一起来办社区小报，展示身边的好人好事。",
    ),
    (
        "志愿服务",
        "社区志愿者需要专业培训",
        "志愿者热情高但不够专业，希望开展急救、沟通等培训，并建立积分激励制度。",
    ),
    (
        "志愿服务",
        "组建家电义务维修队",
        "很多老人家里的小家电坏了不知道找谁修，希望组织会维修的居民定期义务维修。",
    ),
    (
        "志愿服务",
        "上下学时段路口需要护学岗",
        "学校门口路口车多人多，上下学时很乱，希望组织家长志愿者站护学岗。",
    ),
    (
        "志愿服务",
        "培训应急救护志愿者",
        "小区老人多，突发心梗、摔倒时等不及救护车，希望培训会心肺复苏的志愿者并配备除颤仪。",
    ),
    (
        "志愿服务",
        "建立志愿服务时间银行",
        "希望建立时间银行，年轻时服务老人存下时间，将来可以兑换别人的服务。",
    ),
    (
        "志愿服务",
        "每月一次便民服务日",
        "老人行动不便，理发、磨刀、修鞋要跑很远，希望每月组织一次便民服务日。",
    ),
    (
        "其他",
        "小区停车难、乱停车",
        "车位少车多，消防通道经常被占，希望组织居民商量停车方案、划定停车位。",
    ),
    (
        "其他",
        "老旧小区加装电梯需要协调",
        "很多居民想加装电梯，但低层住户有顾虑，希望有专业人员帮助协商。",
    ),
    (
        "其他",
        "小区夜间照明不足",
        "小区部分路段路灯坏了，晚上回家很黑，老人孩子容易摔倒，希望增补照明。",
    ),
    ("其他", "快递包裹无处存放", "小区没有快递柜，快递堆在门口经常丢失，希望设置代收点。"),
    (
        "其他",
        "居民需要身边的法律咨询",
        "居民遇到房屋租赁、劳动纠纷不知道怎么办，希望每月请律师来社区坐诊。",
    ),
    (
        "其他",
        "流浪猫增多需要科学管理",
        "小区流浪猫越来越多，夜里叫声扰民，希望组织爱心人士科学喂养和绝育。",
    ),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware moment at a Beijing wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def round7_phases(today: date) -> RoundPhases:
    """Needs and submission closed weeks ago, screening done, expert judging open now."""
    day = timedelta(days=1)
    return RoundPhases(
        needs_open=_at(today - 70 * day, 9),
        needs_close=_at(today - 50 * day, 18),
        submit_open=_at(today - 49 * day, 9),
        submit_close=_at(today - 25 * day, 18),
        return_deadline=_at(today - 15 * day, 18),
        screening_close=_at(today - 10 * day, 18),
        judging_open=_at(today - 7 * day, 9),
        judging_close=_at(today + 7 * day, 18),
        notice_days=7,
        implementation_start=today + 16 * day,
        implementation_end=today + 200 * day,
    )


def round8_phases(today: date) -> RoundPhases:
    """Needs collection and proposal submission both opened three days ago and run together."""
    day = timedelta(days=1)
    return RoundPhases(
        needs_open=_at(today - 3 * day, 9),
        needs_close=_at(today + 17 * day, 18),
        submit_open=_at(today - 3 * day, 9),
        submit_close=_at(today + 45 * day, 18),
        return_deadline=_at(today + 52 * day, 18),
        screening_close=_at(today + 55 * day, 18),
        judging_open=_at(today + 56 * day, 9),
        judging_close=_at(today + 66 * day, 18),
        notice_days=5,
        implementation_start=today + 75 * day,
        implementation_end=today + 260 * day,
    )


def _round_data(
    name: str, number: int, pool_yuan: int, phases: RoundPhases, description: str
) -> RoundData:
    """A 江宁区 东山街道 round with the site band, default categories and a 30 % personnel cap."""
    return RoundData(
        name=name,
        district="江宁区",
        street="东山街道",
        description=description,
        pool_fen=yuan(pool_yuan),
        band_min_fen=SITE_BAND.min_fen,
        band_max_fen=SITE_BAND.max_fen,
        phases=phases,
        round_no=number,
        district_code="JN",
        caps=(CategoryCap("personnel", 30),),
    )


def _find_round(name: str) -> FundingRound | None:
    """The round with this name, if seeded already."""
    return db.session.scalar(select(FundingRound).where(FundingRound.name == name))


def _ensure_round(data: RoundData, organizer: User) -> tuple[FundingRound, bool]:
    """The named round, created through the service when it does not exist yet."""
    found = _find_round(data.name)
    if found is not None:
        return found, False
    return rounds.create_round(data, actor=organizer), True


def _residents() -> list[User]:
    """resident1 … resident16, in number order."""
    names = [f"resident{i}" for i in range(1, RESIDENT_COUNT + 1)]
    found = {
        u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))
    }
    return [found[name] for name in names]


def _supporters(index: int, author: User, residents: list[User]) -> list[User]:
    """A deterministic, varied set of residents (0–13, never the author) who +1 a need."""
    wanted = SUPPORT_SPREAD[(index * 5 + 3) % len(SUPPORT_SPREAD)]
    start = (index * 3) % len(residents)
    ring = residents[start:] + residents[:start]
    return [r for r in ring if r.id != author.id][:wanted]


def _post_with_support(
    funding_round: FundingRound,
    index: int,
    text_index: int,
    moment: datetime,
    residents: list[User],
) -> Need:
    """Post need ``index`` at ``moment`` and add its supports in the half-hours after."""
    category, title, description = NEED_TEXTS[text_index % len(NEED_TEXTS)]
    author = residents[index % len(residents)]
    data = needs.NeedData(
        title=title,
        community_id=author.community_id,
        category=category,
        description=description,
        people_affected=20 + (index * 37) % 280,
    )
    need = needs.post_need(funding_round, author, data, now=moment)
    for step, fan in enumerate(_supporters(index, author, residents), start=1):
        needs.support_need(need, fan, now=moment + timedelta(minutes=30 * step))
    return need


def _seed_needs(funding_round: FundingRound, total: int, stride: int) -> int:
    """Post the round's needs (and supports) not posted yet, spread over its window."""
    have = db.session.scalar(select(func.count(Need.id)).where(Need.round_id == funding_round.id))
    phases = rounds.phases_of(funding_round)
    end = min(phases.needs_close, now_utc()) - timedelta(hours=8)
    step = (end - phases.needs_open) / (total + 1)
    residents = _residents()
    for index in range(have, total):
        moment = phases.needs_open + step * index + timedelta(minutes=5)
        _post_with_support(funding_round, index, index * stride, moment, residents)
    return total - have


ROUND7_TEXT = (
    "江宁区第七届公益创投微项目暨东山街道“美好社区金点子提案大赛”。居民点单、政府配菜："
    "本轮共征集居民需求 104 条，12 支团队围绕需求提出微项目方案，经资格审查和专家评审后择优立项，"
    "每个项目资助 5,000 元至 15,000 元。资金实行专户管理、分期拨付、全程监管，确保每一笔钱花在刀刃上。"
)
ROUND8_TEXT = (
    "第八届公益创投微项目现面向东山街道居民征集社区需求。请说说您身边最需要解决的一件事，"
    "也可以为其他居民提出的需求“+1”。需求征集结束后开放项目申报。"
)


@contextmanager
def _objects_kept_after_commit() -> Iterator[None]:
    """Keep loaded rows usable across the services' many commits (seeding is the only writer).

    Without this every commit expires the residents and the round, and each +1 reloads them.
    """
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before


def seed() -> Iterator[str]:
    """Create rounds 7 and 8 and their needs (skipping whatever exists), reporting counts."""
    with _objects_kept_after_commit():
        yield from _seed()


def _seed() -> Iterator[str]:
    """The seeding steps behind :func:`seed`."""
    organizer = db.session.scalar(select(User).where(User.username == "organizer"))
    today = local_date()
    seventh, made7 = _ensure_round(
        _round_data(ROUND7_NAME, 7, 100_000, round7_phases(today), ROUND7_TEXT), organizer
    )
    eighth, made8 = _ensure_round(
        _round_data(ROUND8_NAME, 8, 200_000, round8_phases(today), ROUND8_TEXT), organizer
    )
    yield f"rounds: +{int(made7) + int(made8)}"
    added = _seed_needs(seventh, ROUND7_NEEDS, 1) + _seed_needs(eighth, ROUND8_NEEDS, 9)
    yield f"needs: +{added}"
