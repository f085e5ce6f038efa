"""The public portal read on a 390 px phone: no page is wider than the screen, and its main
navigation and content are in view without sideways scrolling."""

from __future__ import annotations

import pytest

PAGES = ("/open/", "/open/rounds/{award_round_id}", "/open/projects", "/open/needs",
         "/open/notices", "/open/announcements", "/open/data")


@pytest.mark.parametrize("path", PAGES)
def test_the_portal_fits_a_phone(phone, world, path):
    response = phone.goto(path.format(award_round_id=world.award_round_id))
    assert response.status == 200
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    heading = phone.locator("h1").first.bounding_box()
    assert heading and heading["x"] >= 0 and heading["x"] + heading["width"] <= 390
