"""Import and export through the API: dry run, all-or-nothing commit, row errors in the error shape,
permissions and scope; exports with the list's filters and only visible rows."""

import io
from pathlib import Path

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from apps.core.models import SecurityEvent
from apps.masterdata.models import Item, Partner
from apps.masterdata.services import grant_access
from tests.factories import CompanyFactory, ItemFactory, PartnerFactory

API = "/api/v1/masterdata/"
DATA = Path(__file__).parent / "data"
ITEMS_CSV = "code,name,base_unit,standard_price\nB-6,Hex bolt M6,PCS,0.35\n,Washer M6,pcs,0.05\n"


def upload(content: str | bytes, name: str = "items.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


def test_a_dry_run_checks_and_previews_without_writing(api_client, admin_user, company):
    response = api_client(admin_user).post(f"{API}items/import/", {"file": upload(ITEMS_CSV)}, format="multipart")

    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["rows"], body["committed"], body["errors"]) == ("item", 2, False, [])
    assert [row["name"] for row in body["preview"]] == ["Hex bolt M6", "Washer M6"]
    assert not Item.objects.exists()


def test_a_committed_import_writes_every_row_with_the_api_user_in_history(api_client, admin_user, company):
    response = api_client(admin_user).post(
        f"{API}items/import/?dry_run=false", {"file": upload(ITEMS_CSV), "company": company.pk}, format="multipart"
    )

    assert response.status_code == 201
    assert (response.json()["created"], response.json()["committed"]) == (2, True)
    bolt = Item.objects.get(code="B-6")
    assert bolt.history.get().history_user == admin_user
    assert Item.objects.exclude(code="B-6").get().code == "IT-000001"


def test_a_gbk_file_as_excel_writes_it_in_china_is_imported(api_client, admin_user, company):
    content = (DATA / "items_zh_gbk.csv").read_bytes()

    response = api_client(admin_user).post(
        f"{API}items/import/?dry_run=false", {"file": upload(content)}, format="multipart"
    )

    assert response.status_code == 201
    assert Item.objects.get(code="BOLT-M8").name == "六角螺栓 M8"


def test_a_file_with_bad_rows_writes_nothing_and_reports_each_row(api_client, admin_user, company):
    bad = "code,name,base_unit,standard_price\nOK-1,Good row,PCS,1\nBAD-1,Unknown unit,CRATE,1\nBAD-2,,PCS,-5\n"

    response = api_client(admin_user).post(
        f"{API}items/import/?dry_run=false", {"file": upload(bad)}, format="multipart"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_has_errors"
    assert error["details"]["committed"] is False
    rows_in_error = {(row_error["row"], row_error["column"]) for row_error in error["details"]["errors"]}
    assert (3, "base_unit") in rows_in_error
    assert {row for row, _column in rows_in_error} == {3, 4}
    assert not Item.objects.exists()


def test_a_file_with_the_wrong_columns_is_refused_on_the_file_field(api_client, admin_user, company):
    response = api_client(admin_user).post(
        f"{API}items/import/", {"file": upload("colour,size\nred,XL\n")}, format="multipart"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in {"unknown_columns", "missing_columns"}
    assert list(error["fields"]) == ["file"]


def test_importing_needs_the_import_permission(api_client, buyer, company):
    response = api_client(buyer).post(
        f"{API}items/import/?dry_run=false", {"file": upload(ITEMS_CSV)}, format="multipart"
    )

    assert response.status_code == 403
    assert not Item.objects.exists()


def test_an_import_into_a_company_the_user_cannot_see_is_refused(api_client, make_user, company):
    hidden = CompanyFactory(code="HIDDEN")
    uploader = make_user(roles=["buyer"], companies=[company])
    uploader.user_permissions.add(Permission.objects.get(codename="import_item"))

    response = api_client(uploader).post(
        f"{API}items/import/?dry_run=false", {"file": upload(ITEMS_CSV), "company": hidden.pk}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["company"][0]["code"] == "does_not_exist"
    assert not Item.objects.exists()


def test_a_retried_import_with_the_same_key_is_written_once(api_client, admin_user, company):
    client = api_client(admin_user)

    first = client.post(
        f"{API}items/import/?dry_run=false",
        {"file": upload(ITEMS_CSV)},
        format="multipart",
        headers={"Idempotency-Key": "nightly-2026-11-25"},
    )
    retried = client.post(
        f"{API}items/import/?dry_run=false",
        {"file": upload(ITEMS_CSV)},
        format="multipart",
        headers={"Idempotency-Key": "nightly-2026-11-25"},
    )

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert Item.objects.count() == 2


def test_the_export_has_the_lists_filters_and_is_logged(api_client, admin_user, company):
    ItemFactory(company=company, code="HB-6", name="Hex bolt M6")
    ItemFactory(company=company, code="W-6", name="Washer M6")
    ItemFactory(company=CompanyFactory(code="OTHER"), code="HB-X", name="Hex bolt elsewhere")

    response = api_client(admin_user).get(f"{API}items/export/", {"format": "csv", "q": "hex", "company": company.pk})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,name,")
    assert [line.split(",")[0] for line in lines[1:]] == ["HB-6"]
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert (event.user, event.detail["rows"], event.detail["format"]) == (admin_user, 1, "csv")


def test_the_xlsx_export_holds_only_the_partners_a_salesperson_sees(api_client, clerk, company):
    mine = PartnerFactory(company=company, code="MINE", owner=clerk)
    grant_access(actor=None, holder=clerk, scope_object=mine)
    PartnerFactory(company=company, code="THEIRS")

    response = api_client(clerk).get(f"{API}partners/export/", {"format": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["MINE"]
    assert Partner.objects.count() == 2


def test_an_unknown_export_format_is_a_validation_error(api_client, admin_user, company):
    response = api_client(admin_user).get(f"{API}warehouses/export/", {"format": "pdf"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["format"]
