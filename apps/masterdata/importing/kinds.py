"""The four kinds of import and the rules of each, as the services apply them to a single record."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.core.access import grants_changed
from apps.core.models import SecurityEvent
from apps.core.security import client_address

from ..models import (
    Currency,
    ImportBatch,
    Item,
    ItemCategory,
    Location,
    Partner,
    PartnerUserObjectPermission,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)
from ..validation import name_key, normalize_code, normalize_tax_id, normalize_text, uscc_error
from .rows import WRITE_BATCH, Row, RowImport, in_chunks

Problems = list[tuple[str, str, str]]  # (column, message, code)
UNIT_FACTORS = (("purchase_unit", "purchase_factor"), ("sales_unit", "sales_factor"))


class ItemImport(RowImport):
    kind = ImportBatch.Kind.ITEM
    model = Item

    def load(self) -> None:
        company = self.company
        self.existing = {
            i.code: i for i in in_chunks(Item.objects.filter(company=company), "code", self.file_values("code"))
        }
        barcodes = self.file_values("barcode", lambda text: normalize_text(text).replace(" ", ""))
        holders = Item.objects.filter(company=company).values_list("barcode", "pk", "code")
        self.barcode_holders = {barcode: (pk, code) for barcode, pk, code in in_chunks(holders, "barcode", barcodes)}
        self.barcode_rows: dict[str, int] = {}
        self.lookups = {
            "categories": {category.code: category for category in ItemCategory.objects.filter(company=company)},
            "units": {unit.code: unit for unit in UnitOfMeasure.objects.all()},
            "tax_rates": {rate.code: rate for rate in TaxRate.objects.all()},
        }
        general = UnitConversion.objects.filter(item__isnull=True).values_list("from_unit_id", "to_unit_id")
        self.general_conversions = set(general)
        own = UnitConversion.objects.filter(item__isnull=False)
        self.item_conversions = {
            (conversion.item_id, conversion.from_unit_id, conversion.to_unit_id): conversion
            for conversion in in_chunks(own, "item_id", [item.pk for item in self.existing.values()])
        }
        self.new_conversions: list[tuple[Item, int, int, Decimal]] = []
        self.changed_conversions: list[UnitConversion] = []

    def check_row(self, row: Row, values: dict[str, Any]) -> None:
        code = values.get("code", "")
        item = self.existing.get(code) or Item(company=self.company, code=code)
        before = self.assign(item, values, skip=("purchase_factor", "sales_factor"))
        item.name_key = name_key(item.name)
        if not self.add_errors(row, self.problems(row, item, values)):
            conversions_change = self.plan_conversions(item, values)
            self.keep(row, item, self.changed_fields(item, before), other_change=conversions_change)

    def knows_factor(self, item: Item, unit_id: int) -> bool:
        pairs = ((unit_id, item.base_unit_id), (item.base_unit_id, unit_id))
        return any(pair in self.general_conversions or (item.pk, *pair) in self.item_conversions for pair in pairs)

    def problems(self, row: Row, item: Item, values: dict[str, Any]) -> Problems:
        problems = []
        if item.lot_tracked and item.item_type == Item.ItemType.SERVICE:
            problems.append(("lot_tracked", _("A service cannot be lot-tracked."), "service_lot_tracked"))
        given = {getattr(item, f"{unit}_id") for unit, factor in UNIT_FACTORS if values.get(factor) is not None}
        for unit_field, factor_field in UNIT_FACTORS:
            unit = getattr(item, unit_field)
            if unit is None or unit.pk == item.base_unit_id or unit.pk in given:
                continue
            if not self.knows_factor(item, unit.pk):
                message = _("How many %(base)s make one %(unit)s? Enter the conversion factor.") % {
                    "base": item.base_unit.code,
                    "unit": unit.code,
                }
                problems.append((factor_field, message, "factor_required"))
        factors = (values.get("purchase_factor"), values.get("sales_factor"))
        same_unit = item.purchase_unit_id is not None and item.purchase_unit_id == item.sales_unit_id
        if same_unit and None not in factors and factors[0] != factors[1]:
            message = _("The purchase and sales units are the same, so their factors must be too.")
            problems.append(("sales_factor", message, "factor_mismatch"))
        if item.barcode:
            problems.extend(self.barcode_problems(row, item))
        return problems

    def barcode_problems(self, row: Row, item: Item) -> Problems:
        if item.barcode in self.barcode_rows:
            message = _("Row %(row)d has the same barcode.") % {"row": self.barcode_rows[item.barcode]}
            return [("barcode", message, "duplicate_barcode")]
        self.barcode_rows[item.barcode] = row.number
        holder = self.barcode_holders.get(item.barcode)
        # A holder that is itself in the file is checked against its row's barcode instead.
        if holder is not None and holder[0] != item.pk and holder[1] not in self.existing:
            message = _("Item %(code)s already has this barcode.") % {"code": holder[1]}
            return [("barcode", message, "duplicate_barcode")]
        return []

    def plan_conversions(self, item: Item, values: dict[str, Any]) -> bool:
        """Note the item's own conversions to write; True if an existing item's conversions change."""
        changed, planned = False, set()
        for unit_field, factor_field in UNIT_FACTORS:
            unit_id, factor = getattr(item, f"{unit_field}_id"), values.get(factor_field)
            if unit_id is None or factor is None or unit_id == item.base_unit_id or unit_id in planned:
                continue
            planned.add(unit_id)
            conversion = self.item_conversions.get((item.pk, unit_id, item.base_unit_id)) if item.pk else None
            if conversion is None:
                self.new_conversions.append((item, unit_id, item.base_unit_id, factor))
                changed = True
            elif conversion.factor != factor:
                conversion.factor = factor
                self.changed_conversions.append(conversion)
                changed = True
        return changed and item.pk is not None

    def write(self, *, actor, reason: str) -> None:
        self.assign_codes(self.new)
        self.save(actor=actor, reason=reason, extra_fields=["name_key"])
        history = self.history(actor=actor, reason=reason)
        conversions = [
            UnitConversion(item=item, from_unit_id=from_unit, to_unit_id=to_unit, factor=factor)
            for item, from_unit, to_unit, factor in self.new_conversions
        ]
        bulk_create_with_history(conversions, UnitConversion, **history)
        if self.changed_conversions:
            bulk_update_with_history(self.changed_conversions, UnitConversion, ["factor"], **history)


class PartnerImport(RowImport):
    kind = ImportBatch.Kind.PARTNER
    model = Partner

    def load(self) -> None:
        company = self.company
        codes = self.file_values("code")
        self.existing = {p.code: p for p in in_chunks(Partner.objects.filter(company=company), "code", codes)}
        holders = Partner.objects.filter(company=company).values_list("tax_id", "pk", "code", "name")
        tax_ids = self.file_values("tax_id", normalize_tax_id)
        self.tax_id_holders = {
            tax_id: (pk, code, name) for tax_id, pk, code, name in in_chunks(holders, "tax_id", tax_ids)
        }
        self.tax_id_rows: dict[str, int] = {}
        users = get_user_model().objects.filter(is_active=True)
        self.lookups = {
            "payment_terms": {terms.code: terms for terms in PaymentTerms.objects.all()},
            "currencies": {currency.code: currency for currency in Currency.objects.all()},
            "users": {
                user.get_username(): user
                for user in in_chunks(users, "username", self.file_values("owner", normalize_text))
            },
        }
        self.owner_changes: list[tuple[Partner, int | None]] = []

    def check_row(self, row: Row, values: dict[str, Any]) -> None:
        code = values.get("code", "")
        partner = self.existing.get(code) or Partner(
            company=self.company, code=code, currency_id=self.company.base_currency_id
        )
        previous_owner_id = partner.owner_id
        before = self.assign(partner, values)
        partner.name_key = name_key(partner.name)
        if partner.tax_id and partner.tax_id_kind == Partner.TaxIdKind.NONE:
            partner.tax_id_kind = Partner.TaxIdKind.USCC if len(partner.tax_id) == 18 else Partner.TaxIdKind.OTHER
        if self.add_errors(row, self.problems(row, partner)):
            return
        self.keep(row, partner, self.changed_fields(partner, before))
        if partner.owner_id != previous_owner_id:
            self.owner_changes.append((partner, previous_owner_id))

    def problems(self, row: Row, partner: Partner) -> Problems:
        problems = []
        if partner.tax_id_kind == Partner.TaxIdKind.USCC:
            problem = uscc_error(partner.tax_id) if partner.tax_id else _("Enter the unified social credit code.")
            if problem:
                problems.append(("tax_id", problem, "invalid_tax_id"))
        if partner.tax_id and not problems:
            problems.extend(self.tax_id_problems(row, partner))
        if not (partner.is_customer or partner.is_supplier):
            problems.append(("is_customer", _("A partner is a customer, a supplier, or both."), "role_required"))
        return problems

    def tax_id_problems(self, row: Row, partner: Partner) -> Problems:
        if partner.tax_id in self.tax_id_rows:
            message = _("Row %(row)d has the same tax ID.") % {"row": self.tax_id_rows[partner.tax_id]}
            return [("tax_id", message, "duplicate_tax_id")]
        self.tax_id_rows[partner.tax_id] = row.number
        holder = self.tax_id_holders.get(partner.tax_id)
        # A holder that is itself in the file is checked against its row's tax ID instead.
        if holder is not None and holder[0] != partner.pk and holder[1] not in self.existing:
            message = _("%(partner)s already has this tax ID; the same partner cannot be entered twice.") % {
                "partner": f"{holder[1]} {holder[2]}"
            }
            return [("tax_id", message, "duplicate_tax_id")]
        return []

    def write(self, *, actor, reason: str) -> None:
        self.assign_codes(self.new)
        self.save(actor=actor, reason=reason, extra_fields=["name_key", "tax_id_kind"])
        if self.owner_changes:
            self.move_owner_access(actor)

    def move_owner_access(self, actor) -> None:
        """Owners see their partners' documents (access_partner): granted and revoked in bulk, and logged."""
        permission = Permission.objects.get(content_type__app_label="masterdata", codename="access_partner")
        revoked: dict[int, list[int]] = defaultdict(list)
        for partner, previous_owner_id in self.owner_changes:
            if previous_owner_id:
                revoked[previous_owner_id].append(partner.pk)
        for owner_id, partner_ids in revoked.items():  # one statement per former owner; logged by the signal
            PartnerUserObjectPermission.objects.filter(
                permission=permission, user_id=owner_id, content_object_id__in=partner_ids
            ).delete()
        granted = [partner for partner, _previous in self.owner_changes if partner.owner_id]
        PartnerUserObjectPermission.objects.bulk_create(
            [PartnerUserObjectPermission(user=p.owner, permission=permission, content_object=p) for p in granted],
            ignore_conflicts=True,
        )
        grants_changed()  # bulk_create sends no post_save: users already read in this process see the new grants
        address = client_address(getattr(HistoricalRecords.context, "request", None))
        SecurityEvent.objects.bulk_create(
            SecurityEvent(
                kind=SecurityEvent.Kind.OBJECT_PERMISSION_CHANGE,
                user=actor,
                username=actor.get_username() if actor is not None else "system",
                ip_address=address,
                detail={
                    "action": "granted",
                    "permission": "access_partner",
                    "holder": str(partner.owner),
                    "object": f"partner:{partner.pk}",
                },
            )
            for partner in granted
        )


class WarehouseImport(RowImport):
    kind = ImportBatch.Kind.WAREHOUSE
    model = Warehouse

    def load(self) -> None:
        warehouses = Warehouse.objects.filter(company=self.company)
        self.existing = {w.code: w for w in in_chunks(warehouses, "code", self.file_values("code"))}

    def check_row(self, row: Row, values: dict[str, Any]) -> None:
        warehouse = self.existing.get(values["code"]) or Warehouse(company=self.company, code=values["code"])
        before = self.assign(warehouse, values)
        self.keep(row, warehouse, self.changed_fields(warehouse, before))

    def write(self, *, actor, reason: str) -> None:
        self.save(actor=actor, reason=reason)


Key = tuple[int, str]  # (warehouse id, location code)


class LocationImport(RowImport):
    """Locations by warehouse and code. A parent is a zone of the same warehouse, in the file (in any
    order) or already saved; cycles, zones and paths are decided on the warehouse's whole tree."""

    kind = ImportBatch.Kind.LOCATION
    model = Location

    def load(self) -> None:
        warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.filter(company=self.company)}
        self.lookups = {"warehouses": warehouses}
        touched = [warehouses[code].pk for code in self.file_values("warehouse") if code in warehouses]
        locations = list(in_chunks(Location.objects.all(), "warehouse_id", touched))
        self.locations: dict[Key, Location] = {(loc.warehouse_id, loc.code): loc for loc in locations}
        keys = {location.pk: key for key, location in self.locations.items()}
        self.parent_of: dict[Key, Key | None] = {
            key: keys.get(location.parent_id) for key, location in self.locations.items()
        }
        self.file_rows: dict[Key, Row] = {}
        self.befores: dict[Key, dict[str, Any]] = {}
        self.moved: set[Key] = set()

    def code_key(self, row: Row) -> Any:
        code = normalize_code(row.cells.get("code", ""))
        return (normalize_code(row.cells.get("warehouse", "")), code) if code else None

    def check_row(self, row: Row, values: dict[str, Any]) -> None:
        warehouse, code = values["warehouse"], values["code"]
        key = (warehouse.pk, code)
        location = self.locations.setdefault(key, Location(warehouse=warehouse, code=code, path="/"))
        self.befores[key] = self.assign(location, values, skip=("warehouse", "parent"))
        self.file_rows[key] = row
        if "parent" in values:
            parent = (warehouse.pk, values["parent"]) if values["parent"] else None
            if location.pk and parent != self.parent_of.get(key):
                self.moved.add(key)
            self.parent_of[key] = parent

    def finish(self) -> None:
        children: dict[Key, list[Key]] = defaultdict(list)
        for key, parent in self.parent_of.items():
            if parent is not None:
                children[parent].append(key)
        for key, row in self.file_rows.items():
            if not self.add_errors(row, self.problems(key, children)):
                fields = self.changed_fields(self.locations[key], self.befores[key])
                self.keep(row, self.locations[key], fields | ({"parent"} if key in self.moved else set()))

    def problems(self, key: Key, children: dict[Key, list[Key]]) -> Problems:
        parent = self.parent_of.get(key)
        if parent is not None and parent not in self.locations:
            message = _("There is no location %(code)s in this warehouse.") % {"code": parent[1]}
            return [("parent", message, "unknown_parent")]
        if parent is not None and self.locations[parent].kind != Location.Kind.ZONE:
            return [("parent", _("Only a zone can hold other locations."), "parent_not_zone")]
        if parent is not None and self.inside_itself(key):
            return [("parent", _("A location cannot be placed inside itself."), "parent_cycle")]
        staying = [child for child in children.get(key, ()) if child not in self.file_rows]
        if self.locations[key].kind != Location.Kind.ZONE and staying:
            return [("kind", _("This location holds other locations, so it must stay a zone."), "holds_locations")]
        return []

    def inside_itself(self, key: Key) -> bool:
        seen, current = set(), self.parent_of.get(key)
        while current is not None and current not in seen:
            if current == key:
                return True
            seen.add(current)
            current = self.parent_of.get(current)
        return False

    def depth(self, key: Key) -> int:
        """How many new locations lie above this one: they are written before it."""
        parent = self.parent_of.get(key)
        return 0 if parent is None or self.locations[parent].pk else 1 + self.depth(parent)

    def write(self, *, actor, reason: str) -> None:
        history = self.history(actor=actor, reason=reason)
        levels: dict[int, list[Location]] = defaultdict(list)
        for location in self.new:
            levels[self.depth((location.warehouse_id, location.code))].append(location)
        for depth in sorted(levels):
            for location in levels[depth]:
                self.attach_parent(location)
            bulk_create_with_history(levels[depth], Location, **history)
        changed = [location for location, _fields in self.changed]
        for location in changed:
            self.attach_parent(location)
        if changed:
            fields = sorted(set().union(*(fields for _location, fields in self.changed)))
            bulk_update_with_history(changed, Location, fields, **history)
        self.write_paths()

    def attach_parent(self, location: Location) -> None:
        parent = self.parent_of.get((location.warehouse_id, location.code))
        location.parent = self.locations[parent] if parent is not None else None

    def write_paths(self) -> None:
        """'/zone id/bin id/' for every location whose place in the tree changed (path has no history)."""
        paths: dict[Key, str] = {}

        def path(key: Key) -> str:
            if key not in paths:
                parent = self.parent_of.get(key)
                paths[key] = f"{path(parent) if parent is not None else '/'}{self.locations[key].pk}/"
            return paths[key]

        stale = [location for key, location in self.locations.items() if location.path != path(key)]
        for location in stale:
            location.path = paths[(location.warehouse_id, location.code)]
        Location.objects.bulk_update(stale, ["path"], batch_size=WRITE_BATCH)


IMPORTS: dict[str, type[RowImport]] = {
    ImportBatch.Kind.ITEM: ItemImport,
    ImportBatch.Kind.PARTNER: PartnerImport,
    ImportBatch.Kind.WAREHOUSE: WarehouseImport,
    ImportBatch.Kind.LOCATION: LocationImport,
}
