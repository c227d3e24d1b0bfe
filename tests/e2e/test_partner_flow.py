"""A clerk's day with duplicates: sign in, create a partner, be warned while typing a similar name,
switch to Chinese and find the creation in the partner's history."""

import re

import pytest
from playwright.sync_api import expect

from apps.masterdata.models import Partner

pytestmark = pytest.mark.browser


def test_partner_duplicate_warning_language_and_history(page, sign_in, admin_user):
    sign_in("admin")
    expect(page.locator("h1")).to_contain_text("Welcome")

    page.goto("/masterdata/partners/new/")
    page.fill("input[name=name]", "Shanghai Rivet Co., Ltd.")
    page.check("input[name=is_customer]")
    page.click("button[type=submit]:has-text('Save')")
    partner = Partner.objects.get()
    expect(page).to_have_url(re.compile(rf"/masterdata/partners/{partner.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Shanghai Rivet Co., Ltd.")

    page.goto("/masterdata/partners/new/")
    page.locator("input[name=name]").press_sequentially("Shanghai Rivet", delay=30)
    warning = page.locator("#similar-warning")
    expect(warning).to_be_visible()
    expect(warning.locator(f"a[href='/masterdata/partners/{partner.pk}/']")).to_have_text(str(partner))

    page.click("#language-menu")
    page.click("button[name=language][value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.goto(f"/masterdata/partners/{partner.pk}/")
    page.click("a[href='?tab=history']")
    expect(page).to_have_url(re.compile(r"\?tab=history$"))
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("admin")
    expect(history.first).to_contain_text("Shanghai Rivet Co., Ltd.")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
