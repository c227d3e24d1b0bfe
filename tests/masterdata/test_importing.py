"""Import and export of master data: every format and header language, upsert by code, all-or-nothing
with every bad row reported, the hostile files of the issue, history, scoping and query budget."""

import io
import random
import string
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from apps.core.models import DocumentSequence, SecurityEvent
from apps.masterdata import importing, selectors, services
from apps.masterdata.models import (
    ImportBatch,
    Item,
    ItemCategory,
    Location,
    Partner,
    PartnerUserObjectPermission,
    UnitConversion,
    Warehouse,
)
from tests.factories import CompanyFactory, ItemFactory, LocationFactory, PartnerFactory, WarehouseFactory

DATA = Path(__file__).parent / "data"


def run(actor, company, kind: str, content: bytes, *, commit: bool = True, filename: str = "file.csv"):
    return importing.import_records(
        actor=actor, company=company, kind=kind, content=content, filename=filename, commit=commit
    )


def csv_file(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors(report) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.code) for error in report.errors]


def written() -> dict[str, int]:
    """Row counts of everything an import may write."""
    tables = {
        "items": Item.objects,
        "item history": Item.history,
        "conversions": UnitConversion.objects,
        "partners": Partner.objects,
        "partner history": Partner.history,
        "grants": PartnerUserObjectPermission.objects,
        "warehouses": Warehouse.objects,
        "locations": Location.objects,
        "location history": Location.history,
    }
    counts = {name: manager.count() for name, manager in tables.items()}
    counts["numbers taken"] = sum(DocumentSequence.objects.values_list("last_value", flat=True))
    return counts


# --- Happy paths: each kind, each format ---------------------------------------------------------


def test_items_from_utf8_csv_with_references_conversions_and_history(admin_user, company, units):
    category = services.save_category(
        actor=admin_user, category=ItemCategory(company=company, code="FAST", name="Fasteners")
    )
    content = csv_file(
        "code,name,item_type,category,base_unit,purchase_unit,purchase_factor,standard_price,tax_rate,"
        "reorder_point,lead_time_days,barcode,lot_tracked,active\n"
        "bolt-1,Hex bolt M8,stock,fast,PCS,BOX,12,1.50,VAT13,100,7,6901234567892,yes,1\n"
        ",Washer M8,consumable,,PCS,,,0.05,VAT13,0,0,,no,true\n"
        ",Grease,consumable,,KG,G,,30,,0,0,,0,是\n"
    )

    report = run(admin_user, company, "item", content, filename="items.csv")

    assert (report.rows, report.created, report.updated, report.errors, report.committed) == (3, 3, 0, [], True)
    bolt = Item.objects.get(company=company, code="BOLT-1")
    assert (bolt.name, bolt.category, bolt.base_unit, bolt.purchase_unit) == (
        "Hex bolt M8",
        category,
        units["PCS"],
        units["BOX"],
    )
    assert (bolt.standard_price, bolt.reorder_point, bolt.lead_time_days) == (Decimal("1.5"), Decimal(100), 7)
    assert (bolt.barcode, bolt.lot_tracked, bolt.tax_rate.code) == ("6901234567892", True, "VAT13")
    assert selectors.unit_factor(item=bolt, from_unit_id=units["BOX"].pk, to_unit_id=units["PCS"].pk) == 12
    generated = sorted(Item.objects.exclude(code="BOLT-1").values_list("code", flat=True))
    assert generated == ["IT-000001", "IT-000002"]
    history = Item.history.filter(code="BOLT-1").get()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        admin_user,
        "Imported from items.csv",
    )
    conversion_history = UnitConversion.history.get(item_id=bolt.pk)
    assert conversion_history.history_user == admin_user


def test_items_from_gbk_csv_with_chinese_headers_and_values(admin_user, company, units):
    report = run(admin_user, company, "item", (DATA / "items_zh_gbk.csv").read_bytes(), filename="物料.csv")

    assert report.errors == []
    assert report.created == 3
    bolt = Item.objects.get(code="BOLT-M8")
    assert (bolt.name, bolt.standard_price, bolt.tax_rate.code, bolt.barcode) == (
        "六角螺栓 M8",
        Decimal("1250.50"),
        "VAT13",
        "6901234567892",
    )
    washer = Item.objects.get(name="垫圈 M8")  # full-width input stored half-width
    assert (washer.item_type, washer.base_unit, washer.code) == ("consumable", units["PCS"], "IT-000001")
    assert Item.objects.get(code="SRV-01").item_type == Item.ItemType.SERVICE
    assert Item.history.filter(history_change_reason="Imported from 物料.csv").count() == 3


def test_partners_from_utf8_bom_csv_grant_the_owner_access(admin_user, clerk, company):
    assert not selectors.partners_visible_to(clerk).exists()

    report = run(admin_user, company, "partner", (DATA / "partners_utf8_bom.csv").read_bytes())

    assert (report.errors, report.created) == ([], 2)
    customer = Partner.objects.get(code="C001")
    assert (customer.is_customer, customer.is_supplier, customer.tax_id_kind) == (True, False, "uscc")
    assert (customer.credit_limit, customer.payment_terms.code, customer.owner) == (Decimal(50000), "NET30", clerk)
    assert customer.phone == "+86 21 5555 0000"  # the exported formula guard (') is taken off
    assert customer.name_key == "上海示例贸易"
    supplier = Partner.objects.get(code="S001")
    assert (supplier.name, supplier.currency.code, supplier.credit_limit) == ("Example Supplies Co., Ltd.", "USD", None)
    assert list(selectors.partners_visible_to(clerk)) == [customer]
    grant_log = SecurityEvent.objects.get(kind=SecurityEvent.Kind.OBJECT_PERMISSION_CHANGE, user=admin_user)
    assert grant_log.detail["object"] == f"partner:{customer.pk}"
    assert grant_log.user == admin_user


def test_changing_the_owner_by_import_moves_the_access(admin_user, clerk, make_user, company):
    successor = make_user(username="successor", roles=["sales_clerk"], companies=[company])
    services.create_partner(actor=admin_user, company=company, code="C1", name="Shop", is_customer=True, owner=clerk)

    report = run(admin_user, company, "partner", csv_file("code,name,owner\nC1,Shop,successor\n"))

    assert (report.errors, report.updated) == ([], 1)
    assert not selectors.partners_visible_to(clerk).exists()
    assert selectors.partners_visible_to(successor).get().code == "C1"
    assert Partner.history.filter(code="C1").first().history_change_reason == "Imported from file.csv"


def test_warehouses_from_semicolon_csv(admin_user, company):
    report = run(admin_user, company, "warehouse", (DATA / "warehouses_semicolon.csv").read_bytes())

    assert (report.errors, report.created) == ([], 2)
    assert dict(Warehouse.objects.values_list("code", "address")) == {"WH-SH": "上海市浦东新区", "WH-BJ": ""}


def test_locations_from_tab_separated_chinese_file_in_any_order(admin_user, company):
    warehouse = WarehouseFactory(company=company, code="WH-SH")

    report = run(admin_user, company, "location", (DATA / "locations_zh_tab.csv").read_bytes())

    assert (report.errors, report.created) == ([], 3)
    zone = Location.objects.get(warehouse=warehouse, code="A")
    bins = Location.objects.filter(parent=zone).order_by("code")
    assert zone.kind == Location.Kind.ZONE and zone.path == f"/{zone.pk}/"
    assert [(b.code, b.kind, b.path) for b in bins] == [
        ("A-01", "bin", f"/{zone.pk}/{bins[0].pk}/"),
        ("A-02", "bin", f"/{zone.pk}/{bins[1].pk}/"),
    ]
    assert Location.history.filter(history_user=admin_user).count() == 3


def test_items_and_locations_from_xlsx_with_number_cells(admin_user, company, units):
    WarehouseFactory(company=company, code="WH1")
    items = xlsx_file(
        [
            ["编码", "名称", "基本单位", "标准价格", "条码", "提前期", "启用"],
            ["A-1", "Valve", "PCS", 12.5, 6901234567892, 3, True],
            [1002, "Pipe", "M", 0.1, None, 0.0, False],
        ]
    )
    locations = xlsx_file(
        [["warehouse", "code", "kind", "parent"], ["WH1", "Z", "zone", None], ["WH1", "Z1", "bin", "Z"]]
    )

    item_report = run(admin_user, company, "item", items, filename="items.xlsx")
    location_report = run(admin_user, company, "location", locations, filename="locations.xlsx")

    assert item_report.errors == [] and location_report.errors == []
    valve, pipe = Item.objects.get(code="A-1"), Item.objects.get(code="1002")
    assert (valve.standard_price, valve.barcode, valve.lead_time_days, valve.active) == (
        Decimal("12.5"),
        "6901234567892",
        3,
        True,
    )
    assert (pipe.standard_price, pipe.active, pipe.base_unit) == (Decimal("0.1"), False, units["M"])
    assert Location.objects.get(code="Z1").parent.code == "Z"


# --- Upsert, preview, batches ----------------------------------------------------------------------


def test_existing_codes_are_updated_and_unchanged_rows_are_left_alone(admin_user, company, units):
    ItemFactory(company=company, code="KEEP", name="Kept as is", standard_price=Decimal("2"))
    ItemFactory(company=company, code="EDIT", name="Old name", standard_price=Decimal("2"))
    history_before = Item.history.count()
    content = csv_file(
        "code,name,base_unit,standard_price\nkeep,Kept as is,PCS,2.000\nＥＤＩＴ,New name,PCS,3\n,Brand new,PCS,1\n"
    )

    report = run(admin_user, company, "item", content)

    assert (report.rows, report.created, report.updated) == (3, 1, 1)
    assert [line["action"] for line in report.preview] == ["unchanged", "update", "new"]
    edited = Item.objects.get(code="EDIT")
    assert (edited.name, edited.name_key, edited.standard_price) == ("New name", "newname", Decimal(3))
    assert Item.objects.get(code="KEEP").tax_rate.code == "VAT13"  # absent columns are not touched
    assert Item.history.count() == history_before + 2
    change = Item.history.filter(code="EDIT").first()
    assert (change.history_type, change.history_user, change.name) == ("~", admin_user, "New name")


def test_dry_run_writes_nothing(admin_user, company):
    before = written()

    report = run(admin_user, company, "item", csv_file("name,base_unit\nBolt,PCS\n"), commit=False)

    assert (report.created, report.committed, report.errors) == (1, False, [])
    assert report.preview == [{"row": 2, "action": "new", "name": "Bolt", "base_unit": "PCS"}]
    assert written() == before


def test_upload_then_commit_a_batch(admin_user, company):
    batch, _report = importing.upload_batch(
        actor=admin_user, company=company, kind="warehouse", content=csv_file("code,name\nW1,Main\n"), filename="w.csv"
    )

    assert (batch.status, batch.summary["created"], Warehouse.objects.count()) == ("previewed", 1, 0)
    committed = importing.commit_batch(actor=admin_user, batch=batch)

    assert committed.committed is True
    batch.refresh_from_db()
    assert (batch.status, batch.committed_at is not None) == (ImportBatch.Status.COMMITTED, True)
    assert Warehouse.objects.get().history.get().history_user == admin_user
    with pytest.raises(services.MasterDataError) as refused:
        importing.commit_batch(actor=admin_user, batch=batch)
    assert refused.value.code == "import_already_committed"
    assert Warehouse.objects.count() == 1


def test_commit_of_a_batch_with_errors_raises_and_writes_nothing(admin_user, company):
    batch, report = importing.upload_batch(
        actor=admin_user, company=company, kind="warehouse", content=csv_file("code,name\nW1,\n"), filename="w.csv"
    )
    assert batch.status == ImportBatch.Status.REJECTED
    assert errors(report) == [(2, "name", "required")]

    with pytest.raises(services.MasterDataError) as refused:
        importing.commit_batch(actor=admin_user, batch=batch)

    assert refused.value.code == "import_has_errors"
    assert refused.value.details["errors"][0]["row"] == 2
    assert Warehouse.objects.count() == 0


def test_a_batch_is_checked_again_when_committed(admin_user, company):
    batch, _report = importing.upload_batch(
        actor=admin_user,
        company=company,
        kind="warehouse",
        content=csv_file("code,name\nW1,Main\nW1,Dup\n"),
        filename="w.csv",
    )
    assert batch.status == ImportBatch.Status.REJECTED

    good, _report = importing.upload_batch(
        actor=admin_user,
        company=company,
        kind="item",
        content=csv_file("name,base_unit,barcode\nA,PCS,123\n"),
        filename="i.csv",
    )
    ItemFactory(company=company, code="LATE", barcode="123")  # saved between preview and commit

    with pytest.raises(services.MasterDataError):
        importing.commit_batch(actor=admin_user, batch=good)
    good.refresh_from_db()
    assert good.status == ImportBatch.Status.REJECTED
    assert good.summary["errors"][0]["message"] == "Item LATE already has this barcode."


def test_template_columns_name_labels_and_required():
    columns = importing.template_columns("item")

    assert columns[0][0] == "code" and columns[0][2] is False
    assert ("base_unit", "Base unit code, e.g. PCS", True) in columns
    assert [name for name, _label, required in importing.template_columns("location") if required] == [
        "warehouse",
        "code",
    ]


# --- The hostile import ------------------------------------------------------------------------------


def test_wrong_columns_refuse_the_file(admin_user, company):
    before = written()

    with pytest.raises(importing.ImportFileError) as unknown:
        run(admin_user, company, "item", csv_file("code,name,base_unit,colour\nA,B,PCS,red\n"))
    with pytest.raises(importing.ImportFileError) as missing:
        run(admin_user, company, "item", csv_file("code,name\nA,B\n"))
    with pytest.raises(importing.ImportFileError) as twice:
        run(admin_user, company, "item", csv_file("code,名称,name,base_unit\nA,B,C,PCS\n"))

    assert (unknown.value.code, missing.value.code, twice.value.code) == (
        "unknown_columns",
        "missing_columns",
        "duplicate_columns",
    )
    assert "colour" in unknown.value.message and "base_unit" in missing.value.message
    assert written() == before


@pytest.mark.parametrize("extra_bytes", [0, 1])
def test_ten_megabytes_of_garbage_are_refused(admin_user, company, settings, extra_bytes):
    garbage = random.Random(2).randbytes(settings.IMPORT_MAX_BYTES + extra_bytes)
    before = written()

    with pytest.raises(importing.ImportFileError) as refused:
        importing.upload_batch(actor=admin_user, company=company, kind="item", content=garbage, filename="items.csv")

    assert refused.value.code == ("file_too_large" if extra_bytes else "unreadable_file")
    assert written() == before
    assert ImportBatch.objects.count() == 0


def test_garbage_text_and_broken_spreadsheets_are_refused(admin_user, company):
    words = random.Random(3)
    text = "\n".join(",".join("".join(words.choices(string.ascii_letters, k=8)) for _ in range(5)) for _ in range(1000))

    with pytest.raises(importing.ImportFileError) as text_refused:
        run(admin_user, company, "partner", text.encode())
    with pytest.raises(importing.ImportFileError) as xlsx_refused:
        run(admin_user, company, "partner", b"PK\x03\x04" + b"\x00" * 200, filename="p.xlsx")
    with pytest.raises(importing.ImportFileError) as xls_refused:
        run(admin_user, company, "partner", b"\xd0\xcf\x11\xe0" + b"\x00" * 200, filename="p.xls")
    with pytest.raises(importing.ImportFileError) as empty:
        run(admin_user, company, "partner", b"\r\n\r\n")

    assert text_refused.value.code == "unknown_columns"
    assert (xlsx_refused.value.code, xls_refused.value.code, empty.value.code) == (
        "unreadable_file",
        "unsupported_format",
        "empty_file",
    )
    assert Partner.objects.count() == 0


def test_a_gbk_file_with_bad_rows_writes_nothing_and_reports_each_row(admin_user, company):
    before = written()

    report = run(admin_user, company, "partner", (DATA / "partners_bad_gbk.csv").read_bytes())

    assert report.committed is False
    assert errors(report) == [
        (3, "编码", "duplicate_code"),
        (4, "税号", "invalid_tax_id"),
        (5, "客户", "role_required"),
        (6, "税号", "duplicate_tax_id"),
        (7, "客户", "invalid_boolean"),
        (7, "信用额度", "negative"),
        (8, "名称", "required"),
    ]
    assert report.errors[0].message == "Row 2 has the same code P1."
    assert report.errors[1].message == "The check digit of this unified social credit code is wrong (expected 3)."
    assert written() == before


def test_duplicate_codes_in_the_file_are_reported_on_every_repeat(admin_user, company):
    content = csv_file("code,name,base_unit\nA,One,PCS\nB,Two,PCS\na,Three,PCS\nＡ,Four,PCS\nb,Five,XX\n")

    report = run(admin_user, company, "item", content)

    assert errors(report) == [
        (4, "code", "duplicate_code"),
        (5, "code", "duplicate_code"),
        (6, "code", "duplicate_code"),
        (6, "base_unit", "unknown"),
    ]
    assert report.errors[2].message == "Row 3 has the same code B."
    assert Item.objects.count() == 0


def test_invalid_check_digits_are_reported_per_row(admin_user, company, uscc):
    valid = uscc("91310000MA1FL1234")
    content = csv_file(
        "code,name,is_customer,tax_id_kind,tax_id\n"
        f"P1,Good,1,uscc,{valid}\n"
        f"P2,Wrong digit,1,,{valid[:-1]}{'0' if valid[-1] != '0' else '1'}\n"
        "P3,Too short,1,uscc,9131000\n"
        "P4,Bad letter,1,uscc,91310000MA1FL123I0\n"
        "P5,Missing,1,uscc,\n"
        "P6,Other ID,1,other,GB123456789\n"
    )

    report = run(admin_user, company, "partner", content)

    assert errors(report) == [
        (3, "tax_id", "invalid_tax_id"),
        (4, "tax_id", "invalid_tax_id"),
        (5, "tax_id", "invalid_tax_id"),
        (6, "tax_id", "invalid_tax_id"),
    ]
    assert "18 characters" in report.errors[1].message and "cannot contain I" in report.errors[2].message
    assert Partner.objects.count() == 0


def test_every_error_of_every_row_is_reported_and_nothing_is_written(admin_user, company):
    ItemFactory(company=company, code="OLD", barcode="111")
    content = csv_file(
        "code,name,item_type,base_unit,purchase_unit,standard_price,reorder_point,lead_time_days,barcode,lot_tracked\n"
        "G1,Good,stock,PCS,,1,0,0,,no\n"
        "B1,,gadget,XX,,abc,-1,2.5,,maybe\n"
        "B2,Box bought,stock,PCS,BOX,1.1234567,0,99999,111,no\n"
        "B3,Install,service,H,,1,0,0,,yes\n"
        f"B4,{'x' * 201},stock,PCS,,1,0,0,,no\n"
    )

    report = run(admin_user, company, "item", content)

    assert errors(report) == [
        (3, "name", "required"),
        (3, "item_type", "invalid_choice"),
        (3, "base_unit", "unknown"),
        (3, "standard_price", "invalid_number"),
        (3, "reorder_point", "negative"),
        (3, "lead_time_days", "invalid_number"),
        (3, "lot_tracked", "invalid_boolean"),
        (4, "standard_price", "too_many_places"),
        (4, "lead_time_days", "too_large"),
        (5, "lot_tracked", "service_lot_tracked"),
        (6, "name", "max_length"),
    ]
    assert Item.objects.count() == 1
    fixed = content.replace(
        b"B2,Box bought,stock,PCS,BOX,1.1234567,0,99999,111", b"B2,Box bought,stock,PCS,BOX,1,0,9,111"
    )
    second = run(admin_user, company, "item", fixed)
    assert (4, "purchase_factor", "factor_required") in errors(second)
    assert (4, "barcode", "duplicate_barcode") in errors(second)


def test_duplicate_barcodes_and_tax_ids_in_the_file_and_in_the_database(admin_user, company, uscc):
    ItemFactory(company=company, code="HAS", barcode="690")
    PartnerFactory(
        company=company, code="P9", name="Existing Ltd", tax_id=uscc("91310000MA1FL0000"), tax_id_kind="uscc"
    )
    items = csv_file("name,base_unit,barcode\nA,PCS,690\nB,PCS,777\nC,PCS,７７７\n")
    partners = csv_file(f"name,is_supplier,tax_id\nA,1,{uscc('91310000MA1FL0000')}\nB,1,GB1\nC,1,gb 1\n")

    item_report = run(admin_user, company, "item", items)
    partner_report = run(admin_user, company, "partner", partners)

    assert errors(item_report) == [(2, "barcode", "duplicate_barcode"), (4, "barcode", "duplicate_barcode")]
    assert item_report.errors[0].message == "Item HAS already has this barcode."
    assert errors(partner_report) == [(2, "tax_id", "duplicate_tax_id"), (4, "tax_id", "duplicate_tax_id")]
    assert partner_report.errors[0].message == (
        "P9 Existing Ltd already has this tax ID; the same partner cannot be entered twice."
    )


def test_units_need_a_known_conversion_or_a_factor(admin_user, company, units):
    content = csv_file(
        "code,name,base_unit,purchase_unit,purchase_factor,sales_unit,sales_factor\n"
        "A,Flour,G,KG,,,\n"  # KG -> G is a general conversion
        "B,Screws,PCS,BOX,,,\n"
        "C,Cable,M,BOX,0,,\n"
        "D,Tape,PCS,BOX,10,BOX,12\n"
    )

    report = run(admin_user, company, "item", content)

    assert errors(report) == [
        (3, "purchase_factor", "factor_required"),
        (4, "purchase_factor", "negative"),
        (5, "sales_factor", "factor_mismatch"),
    ]
    assert report.errors[0].message == "How many PCS make one BOX? Enter the conversion factor."


def test_locations_keep_the_tree_rules(admin_user, company):
    warehouse = WarehouseFactory(company=company, code="W")
    other = WarehouseFactory(company=company, code="OTHER")
    zone = LocationFactory(warehouse=warehouse, code="Z1", kind=Location.Kind.ZONE)
    inner = LocationFactory(warehouse=warehouse, code="Z2", kind=Location.Kind.ZONE, parent=zone)
    LocationFactory(warehouse=warehouse, code="BIN", parent=inner)
    LocationFactory(warehouse=warehouse, code="B3", parent=LocationFactory(warehouse=warehouse, code="Z3", kind="zone"))
    LocationFactory(warehouse=other, code="OZ", kind=Location.Kind.ZONE)
    content = csv_file(
        "warehouse,code,kind,parent\n"
        "W,Z1,zone,Z2\n"  # inside its own child
        "W,Z3,bin,\n"  # holds B3, so it must stay a zone
        "W,NEW,bin,BIN\n"  # a bin holds nothing
        "W,LOST,bin,OZ\n"  # OZ is in another warehouse
        "NOPE,X,bin,\n"
    )

    report = run(admin_user, company, "location", content)

    assert errors(report) == [
        (2, "parent", "parent_cycle"),
        (3, "kind", "holds_locations"),
        (4, "parent", "parent_not_zone"),
        (5, "parent", "unknown_parent"),
        (6, "warehouse", "unknown"),
    ]
    assert Location.objects.count() == 6


def test_moving_a_zone_by_import_rewrites_the_paths_below_it(admin_user, company):
    warehouse = WarehouseFactory(company=company, code="W")
    zone = LocationFactory(warehouse=warehouse, code="A", kind=Location.Kind.ZONE)
    bin_ = LocationFactory(warehouse=warehouse, code="A-1", parent=zone)
    content = csv_file("warehouse,code,kind,parent\nW,HALL,zone,\nW,A,zone,HALL\n")

    report = run(admin_user, company, "location", content)

    assert (report.errors, report.created, report.updated) == ([], 1, 1)
    hall = Location.objects.get(code="HALL")
    zone.refresh_from_db()
    bin_.refresh_from_db()
    assert (zone.parent, zone.path, bin_.path) == (hall, f"/{hall.pk}/{zone.pk}/", f"/{hall.pk}/{zone.pk}/{bin_.pk}/")
    assert zone.history.first().history_change_reason == "Imported from file.csv"


# --- Export ------------------------------------------------------------------------------------------


def _master_data(actor, company, units, clerk):
    category = services.save_category(actor=actor, category=ItemCategory(company=company, code="C1", name="Parts"))
    services.create_item(
        actor=actor,
        company=company,
        code="BOX-ITEM",
        name="=Boxed part",
        category=category,
        base_unit=units["PCS"],
        purchase_unit=units["BOX"],
        purchase_factor=Decimal("12"),
        standard_price=Decimal("1.25"),
        barcode="6901234567892",
        description="first line\nsecond line",
    )
    services.create_item(actor=actor, company=company, name="Service call", item_type="service", base_unit=units["H"])
    services.create_partner(
        actor=actor,
        company=company,
        name="上海示例贸易有限公司",
        is_customer=True,
        tax_id="91350100M000100Y43",
        credit_limit=Decimal("1000.50"),
        owner=clerk,
        phone="+86 21 5555 0000",
    )
    warehouse = services.save_warehouse(actor=actor, warehouse=Warehouse(company=company, code="W1", name="Main"))
    zone = services.save_location(
        actor=actor, location=Location(warehouse=warehouse, code="Z", kind=Location.Kind.ZONE)
    )
    services.save_location(actor=actor, location=Location(warehouse=warehouse, code="Z-1", parent=zone))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_records(admin_user, clerk, company, units, file_format):
    _master_data(admin_user, company, units, clerk)
    querysets = {
        "item": Item.objects.all(),
        "partner": Partner.objects.all(),
        "warehouse": Warehouse.objects.all(),
        "location": Location.objects.all(),
    }
    snapshot = {kind: list(queryset.order_by("pk").values()) for kind, queryset in querysets.items()}
    before = written()

    for kind, queryset in querysets.items():
        content, _type, filename = importing.export_records(
            actor=admin_user, kind=kind, queryset=queryset, file_format=file_format
        )
        report = run(admin_user, company, kind, content, filename=filename)
        assert (report.errors, report.created, report.updated, report.rows) == ([], 0, 0, queryset.count()), kind

    assert {kind: list(queryset.order_by("pk").values()) for kind, queryset in querysets.items()} == snapshot
    assert written() == before


def test_export_has_the_import_columns_and_only_visible_rows(client, buyer, clerk, company, units):
    ItemFactory(company=company, code="MINE", standard_price=Decimal("2.500000"))
    ItemFactory(company=CompanyFactory(code="ELSE"), code="NOT-MINE")
    PartnerFactory(company=company, code="OWNED", owner=clerk)
    services.grant_access(actor=None, holder=clerk, scope_object=Partner.objects.get(code="OWNED"))
    PartnerFactory(company=company, code="OTHERS")

    items, content_type, filename = importing.export_records(
        actor=buyer, kind="item", queryset=Item.objects.all(), file_format="csv"
    )
    partners, _type, _name = importing.export_records(
        actor=clerk, kind="partner", queryset=Partner.objects.all(), file_format="xlsx"
    )

    lines = items.decode("utf-8-sig").splitlines()
    assert items.startswith("\ufeff".encode()) and content_type.startswith("text/csv")
    assert lines[0].split(",") == [name for name, _label, _required in importing.template_columns("item")]
    assert len(lines) == 2 and lines[1].startswith("MINE,") and ",2.5," in lines[1]
    assert filename.startswith("items-") and filename.endswith(".csv")
    sheet = load_workbook(io.BytesIO(partners)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["OWNED"]
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).order_by("id")
    assert [(e.user, e.detail["list"], e.detail["format"], e.detail["rows"]) for e in events] == [
        (buyer, "items", "csv", 1),
        (clerk, "partners", "xlsx", 1),
    ]


# --- Query budget ------------------------------------------------------------------------------------


def _item_file(count: int, *, coded: bool = True) -> bytes:
    lines = ["code,name,category,base_unit,purchase_unit,purchase_factor,tax_rate,barcode,standard_price"]
    lines += [f"{f'X{n:05d}' if coded else ''},Item {n},C1,PCS,BOX,12,VAT13,B{n:06d},{n}.5" for n in range(count)]
    return "\n".join(lines).encode()


def _partner_file(count: int, uscc) -> bytes:
    lines = ["code,name,is_customer,tax_id,owner,payment_terms,currency"]
    lines += [f"P{n:05d},Partner {n},1,{uscc(f'9131000000000{n:04d}')},clerk,NET30,CNY" for n in range(count)]
    return "\n".join(lines).encode()


def test_checking_100_or_1000_rows_costs_the_same_queries(admin_user, clerk, company, units, uscc):
    services.save_category(actor=admin_user, category=ItemCategory(company=company, code="C1", name="Parts"))
    Item.objects.bulk_create(
        Item(company=company, code=f"X{n:05d}", name=f"Old {n}", base_unit=units["PCS"]) for n in range(0, 1000, 2)
    )
    Partner.objects.bulk_create(
        Partner(company=company, code=f"P{n:05d}", name=f"Old {n}", is_customer=True) for n in range(0, 1000, 2)
    )
    counts = {}
    for kind, make in (("item", _item_file), ("partner", lambda count: _partner_file(count, uscc))):
        for rows in (100, 1000):
            with CaptureQueriesContext(connection) as queries:
                report = run(admin_user, company, kind, make(rows), commit=False)
            assert (report.errors, report.rows) == ([], rows)
            counts[(kind, rows)] = len(queries)

    assert counts[("item", 100)] == counts[("item", 1000)] <= 8
    assert counts[("partner", 100)] == counts[("partner", 1000)] <= 8


def test_committing_1000_items_takes_a_fixed_number_of_statements(admin_user, company, units):
    services.save_category(actor=admin_user, category=ItemCategory(company=company, code="C1", name="Parts"))

    with CaptureQueriesContext(connection) as queries:
        report = run(admin_user, company, "item", _item_file(1000, coded=False))

    assert (report.errors, report.created) == ([], 1000)
    assert len(queries) < 100  # bulk statements: on SQLite a batch holds only ~50 rows of 18 columns
    assert UnitConversion.objects.filter(item__company=company).count() == 1000
    assert Item.objects.filter(company=company, code__startswith="IT-").count() == 1000
