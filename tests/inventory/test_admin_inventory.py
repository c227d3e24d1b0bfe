"""The stock admin: the ledger view-only, documents moved only by actions calling the services,
settings saved with history, rows scoped by warehouse."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.inventory import services
from apps.inventory.models import (
    InventorySettings,
    ItemCost,
    LocationFreeze,
    Lot,
    Reservation,
    StockAdjustment,
    StockAdjustmentLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMove,
    StockTransfer,
    StockTransferLine,
)
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

LEDGERS = (StockMove, StockBalance, ItemCost, LocationFreeze)
WITH_HISTORY = (
    InventorySettings,
    Lot,
    Reservation,
    StockAdjustment,
    StockAdjustmentLine,
    StockTransfer,
    StockTransferLine,
    StockCount,
    StockCountLine,
)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:inventory_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(make_user):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def site(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def draft(books, admin_user, warehouse, location, item):
    """draft(quantity) -> a draft adjustment of `item` at `location`."""

    def make(quantity: str = "5") -> StockAdjustment:
        return services.create_adjustment(
            actor=admin_user,
            company=books,
            warehouse=warehouse,
            reason="found",
            document_date=date.today(),
            lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal("2")}],
        )

    return make


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_every_model_is_registered_ledgers_read_only_and_the_rest_with_history(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    for model in (*LEDGERS, *WITH_HISTORY):
        assert model in admin.site._registry, model
    for model in LEDGERS:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
    for model in WITH_HISTORY:
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin), model
        assert not admin.site._registry[model].has_delete_permission(request), model
    for model in (StockAdjustment, StockTransfer, StockCount):
        assert not admin.site._registry[model].has_add_permission(request), model


def test_lists_detail_and_history_pages_render_within_a_query_budget(
    site, draft, admin_user, django_assert_max_num_queries
):
    for quantity in ("5", "3", "2"):
        services.post_adjustment(actor=admin_user, adjustment=draft(quantity))
    adjustment = StockAdjustment.objects.first()
    move = StockMove.objects.first()

    for model in (*LEDGERS, *WITH_HISTORY):
        assert site.get(url(model, "changelist")).status_code == 200, model
    with django_assert_max_num_queries(16):
        listed = site.get(url(StockMove, "changelist"))
    assert listed.context["cl"].result_count == 3
    assert site.get(url(StockMove, "change", move.pk)).status_code == 200
    page = site.get(url(StockAdjustment, "change", adjustment.pk))
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    history = site.get(url(StockAdjustment, "history", adjustment.pk))
    assert history.status_code == 200 and "Posted" in history.content.decode()


def test_the_post_action_posts_through_the_service_and_reports_refusals(site, draft, item, location):
    receipt, too_much = draft("5"), draft("-9")

    response = site.post(
        url(StockAdjustment, "changelist"),
        {"action": "post", "_selected_action": [receipt.pk, too_much.pk]},
        follow=True,
    )

    receipt.refresh_from_db()
    too_much.refresh_from_db()
    assert (receipt.status, too_much.status) == (StockAdjustment.Status.POSTED, StockAdjustment.Status.DRAFT)
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("5")
    assert StockMove.objects.count() == 1
    messages = messages_of(response)
    assert "1 adjustment posted." in messages
    assert any(message.startswith(f"{too_much.number}:") for message in messages)


def test_cancel_needs_a_reason_and_reverses_a_posted_adjustment(site, draft, admin_user, item, location):
    posted = services.post_adjustment(actor=admin_user, adjustment=draft("5"))
    changelist = url(StockAdjustment, "changelist")

    refused = site.post(changelist, {"action": "cancel", "_selected_action": [posted.pk], "reason": ""}, follow=True)
    posted.refresh_from_db()
    assert posted.status == StockAdjustment.Status.POSTED
    assert any("Say why" in message for message in messages_of(refused))

    site.post(changelist, {"action": "cancel", "_selected_action": [posted.pk], "reason": "counted twice"})

    posted.refresh_from_db()
    assert posted.status == StockAdjustment.Status.CANCELLED
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("0")
    assert StockMove.objects.filter(kind=StockMove.Kind.REVERSAL).count() == 1
    assert posted.history.first().history_change_reason == "counted twice"


def test_a_document_page_cannot_change_the_status(site, draft):
    adjustment = draft("5")

    site.post(url(StockAdjustment, "change", adjustment.pk), {"status": "posted", "reason": "x"})

    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.DRAFT
    assert StockMove.objects.count() == 0


def test_settings_are_saved_with_their_history(site, books, superuser):
    response = site.post(url(InventorySettings, "add"), {"company": books.pk, "allow_negative_stock": "on"})

    assert response.status_code == 302
    saved = InventorySettings.objects.get(company=books)
    assert saved.allow_negative_stock
    assert saved.history.get().history_user == superuser


def test_rows_are_scoped_by_warehouse(client, make_user, books, draft, admin_user):
    services.post_adjustment(actor=admin_user, adjustment=draft("5"))
    elsewhere = WarehouseFactory(company=books, code="FAR")
    keeper = make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[elsewhere])
    keeper.is_staff = True
    keeper.save()
    client.force_login(keeper)
    own = services.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=elsewhere,
        reason="found",
        document_date=date.today(),
        lines=[
            {
                "item": StockMove.objects.get().item,
                "location": LocationFactory(warehouse=elsewhere, code="F-01"),
                "quantity": Decimal("1"),
            }
        ],
    )

    listed = client.get(url(StockAdjustment, "changelist"))
    moves = client.get(url(StockMove, "changelist"))

    assert [row.pk for row in listed.context["cl"].result_list] == [own.pk]
    assert list(moves.context["cl"].result_list) == []
    hidden = StockAdjustment.objects.exclude(pk=own.pk).get()
    assert client.get(url(StockAdjustment, "change", hidden.pk)).status_code == 302  # "does not exist"
