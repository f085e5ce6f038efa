"""The league page and the 通报 draw what the table decided: medals, a provider named on clear
evidence with the line it fell below, one marked 证据不足 with the answers needed, those left
out and why — rendered from a table built from given inputs."""

from __future__ import annotations

from types import SimpleNamespace

from flask import render_template

from grants.domain.league import ProviderInput, Weights, league_table
from grants.domain.satisfaction import Tally
from grants.services.followup.league import LeagueView
from grants.web.documents import render_html
from grants.web.followup.pages import league_document


def _provider(key: str, content: int, n: int = 25) -> ProviderInput:
    return ProviderInput(key, f"服务方{key}", Tally(satisfied=content, dissatisfied=n - content,
                                                   on_time=content), None, (f"项目{key}",))


def _view() -> LeagueView:
    providers = [_provider(k, c) for k, c in zip("ABCDE", (24, 24, 23, 20, 6), strict=True)]
    providers.append(ProviderInput("F", "服务方F", Tally(unreached=3)))
    table = league_table(providers, Weights())
    funding_round = SimpleNamespace(name="第六届公益创投微项目", district="江宁区", street="东山街道")
    sample = SimpleNamespace(id=7, quarter="2025Q3", seed="ab" * 32, algorithm="sha256-rank-v1",
                             quota=25)
    return LeagueView(sample, funding_round, "2025年第三季度", table, Weights(), False, ["项目G"])


def test_the_page_and_the_notice_show_medals_the_named_and_the_unproven(app):
    view = _view()
    named = [s for s in view.league.standings if s.named]
    unsure = [s for s in view.league.standings if s.insufficient]
    assert [s.provider.key for s in named] == ["E"] and [s.provider.key for s in unsure] == ["D"]
    with app.test_request_context("/followup/league/7"):
        page = render_template("followup/league.html", **league_document(view))
        document = render_html("followup_league", **league_document(view))
    for html in (page, document):
        assert "流动奖牌" in html and "服务方E" in html and "证据不足" in html
        assert f"（{view.league.line:.1f}）" in html or f"{view.league.line:.1f}" in html
        assert f"约 {unsure[0].needed} 个有效回访" in html
        assert "服务方F（本季度没有接通的回访）" in html and "项目G" in html
    assert "请上述服务提供方对照回访意见限期整改" in document and "ab" * 32 in document
