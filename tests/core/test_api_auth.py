"""What every API request pays before its view: the knox token, and the scope of the rows the user may
name. Both stay as strict as before and cost no more than they must."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.core import access
from apps.core.access import forget_permissions, scoped
from apps.core.tasks import purge_expired_tokens
from apps.masterdata.models import Company, Partner, Warehouse
from tests.factories import CompanyFactory, PartnerFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

ACCESS_COMPANY = "masterdata.access_company"
ACCESS_WAREHOUSE = "masterdata.access_warehouse"
ACCESS_PARTNER = "masterdata.access_partner"


def with_token(secret: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {secret}")


def visible_companies(user) -> set[int]:
    return set(
        scoped(Company.objects.all(), user=user, perm=ACCESS_COMPANY, scope_model=Company).values_list("pk", flat=True)
    )


def test_a_valid_token_is_read_once_per_request(make_user, company):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[company])
    secret = AuthToken.objects.create(clerk)[1]
    AuthToken.objects.create(clerk, expiry=timedelta(days=30))  # another of the clerk's tokens

    with CaptureQueriesContext(connection) as queries:
        answered = with_token(secret).get("/api/v1/sales/orders/")

    assert answered.status_code == 200
    assert sum("knox_authtoken" in query["sql"] for query in queries) == 1


def test_an_expired_token_is_refused_and_deleted(make_user, company):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[company])
    token, secret = AuthToken.objects.create(clerk)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))

    refused = with_token(secret).get("/api/v1/sales/orders/")

    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_a_grant_given_or_taken_after_a_first_scoped_read_counts_at_once(make_user, company):
    other = CompanyFactory(code="LATER", name="Later Co.")
    clerk = make_user(username="clerk", companies=[company])
    assert visible_companies(clerk) == {company.pk}

    assign_perm(ACCESS_COMPANY, clerk, other)
    assert visible_companies(clerk) == {company.pk, other.pk}

    remove_perm(ACCESS_COMPANY, clerk, company)
    group = Group.objects.create(name="later-company")
    assign_perm(ACCESS_COMPANY, group, company)
    clerk.groups.add(group)
    assert visible_companies(clerk) == {company.pk, other.pk}

    clerk.groups.remove(group)
    assert visible_companies(clerk) == {other.pk}


def test_a_users_companies_warehouses_and_partners_are_read_in_one_statement_and_scope_by_key(make_user, company):
    warehouse, partner = WarehouseFactory(company=company), PartnerFactory(company=company)
    clerk = make_user(username="clerk", companies=[company], warehouses=[warehouse], partners=[partner])
    group = Group.objects.create(name="acme-partners")
    assign_perm("masterdata.access_partner", group, partner)  # held twice: listed once
    clerk.groups.add(group)
    PartnerFactory(company=company, code="UNSEEN")

    with CaptureQueriesContext(connection) as queries:
        seen = [
            set(scoped(model.objects.all(), user=clerk, perm=perm, scope_model=model).values_list("pk", flat=True))
            for model, perm in ((Company, ACCESS_COMPANY), (Warehouse, ACCESS_WAREHOUSE), (Partner, ACCESS_PARTNER))
        ]

    assert seen == [{company.pk}, {warehouse.pk}, {partner.pk}]
    reads_of_grants = [query["sql"] for query in queries if "objectpermission" in query["sql"]]
    assert len(reads_of_grants) == 1


def test_a_user_holding_more_grants_than_are_read_at_once_is_scoped_by_subquery_alike(make_user, company, monkeypatch):
    other = CompanyFactory(code="OTHER", name="Other Co.")
    CompanyFactory(code="UNSEEN", name="Unseen Co.")
    clerk = make_user(username="clerk", companies=[company, other])
    monkeypatch.setattr(access, "GRANTS_READ_AT_MOST", 1)

    assert visible_companies(clerk) == {company.pk, other.pk}
    assert not isinstance(access.granted(clerk, ACCESS_COMPANY, Company), list)


def test_forgetting_permissions_drops_the_built_scopes(make_user, company):
    clerk = make_user(username="clerk", companies=[company])
    visible_companies(clerk)
    assert "_scope_cache" in clerk.__dict__

    forget_permissions(clerk)

    assert "_scope_cache" not in clerk.__dict__


def test_the_hourly_purge_deletes_only_expired_tokens(make_user, company):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[company])
    expired, _secret = AuthToken.objects.create(clerk)
    AuthToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    current, _secret = AuthToken.objects.create(clerk, expiry=timedelta(days=1))

    assert purge_expired_tokens() == 1
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [current.pk]
