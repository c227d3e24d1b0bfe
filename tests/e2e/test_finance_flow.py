"""An accountant's manual journal: two balanced lines typed in the browser with live totals, posted,
then found in the trial balance, followed into the general ledger and drilled down to its entry and
back to the journal."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.finance import selectors
from apps.finance.models import Account, ManualJournal

pytestmark = pytest.mark.browser


@pytest.fixture
def accountant(make_user, books):
    return make_user(username="accountant", roles=["accountant"], companies=[books])


def test_manual_journal_posted_in_the_browser_is_in_the_trial_balance_and_the_ledger(page, sign_in, accountant, books):
    bank, capital = (Account.objects.get(company=books, code=code) for code in ("1002", "4001"))
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in("accountant")

    page.goto(f"/finance/manual-journals/new/?company={books.pk}")
    page.fill("[name=description]", "Capital paid into the bank")
    page.select_option("[name=lines-0-account]", str(bank.pk))
    page.fill("[name=lines-0-debit]", "250.00")
    page.select_option("[name=lines-1-account]", str(capital.pk))
    page.fill("[name=lines-1-credit]", "250")
    expect(page.locator("#total-debit")).to_have_text("250.00")
    expect(page.locator("#total-credit")).to_have_text("250.00")
    expect(page.locator("#difference")).to_have_text("0.00")
    page.click("#journal-form button[type=submit]:has-text('Save')")

    expect(page).to_have_url(re.compile(r"/finance/manual-journals/\d+/$"))
    journal = ManualJournal.objects.get()
    assert page.url.endswith(f"/finance/manual-journals/{journal.pk}/")
    assert journal.status == ManualJournal.Status.DRAFT and journal.lines.count() == 2
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("is posted as journal entry")
    journal.refresh_from_db()
    entry = journal.journal_entry
    assert journal.status == ManualJournal.Status.POSTED and entry.total == Decimal("250.00")
    assert selectors.account_balance(account=bank, as_of=journal.document_date) == Decimal("250.00")

    page.goto("/finance/reports/trial-balance/")
    expect(page.locator("#balanced")).to_have_text("Balanced")
    expect(page.locator("#trial-balance tr[data-account='1002']")).to_contain_text("250.00")
    expect(page.locator("#trial-balance tr[data-account='4001']")).to_contain_text("-250.00")
    expect(page.locator("#totals [data-total=debit]")).to_have_text("250.00")
    expect(page.locator("#totals [data-total=credit]")).to_have_text("250.00")

    page.click("#trial-balance tr[data-account='1002'] a")
    expect(page).to_have_url(re.compile(r"/finance/reports/general-ledger/\?"))
    ledger_line = page.locator(f"#general-ledger tr[data-entry='{entry.number}']")
    expect(ledger_line).to_contain_text("250.00")
    expect(ledger_line.locator("[data-balance]")).to_have_text("250.00")
    expect(page.locator("#closing")).to_contain_text("250.00")

    ledger_line.get_by_role("link", name=entry.number).click()
    expect(page).to_have_url(re.compile(rf"/finance/journal-entries/{entry.pk}/$"))
    expect(page.locator("h1")).to_contain_text(entry.number)
    page.click("#source-document a")
    expect(page).to_have_url(re.compile(rf"/finance/manual-journals/{journal.pk}/$"))
