"""Every change to master data: validated, normalised, recorded in history with the acting user."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from apps.core.errors import DomainError
from apps.core.numbering import allocate_numbers, next_number
from apps.core.security import acting_as

from .models import (
    Company,
    Item,
    ItemCategory,
    Location,
    MergeRecord,
    Partner,
    PartnerAddress,
    PartnerContact,
    UnitConversion,
    Warehouse,
)
from .selectors import ACCESS_COMPANY, ACCESS_PARTNER, ACCESS_WAREHOUSE, unit_factor
from .validation import name_key, normalize_code, normalize_tax_id, normalize_text, uscc_error


class MasterDataError(DomainError):
    pass


def _save(instance: models.Model, *, actor, reason: str = "") -> models.Model:
    """Validate the row (fields and constraints) and save it with its history author and reason."""
    instance.full_clean()
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent writer won a uniqueness race
        raise MasterDataError(
            _("This record conflicts with one saved a moment ago: %(error)s") % {"error": exc},
            code="conflict",
            status_code=409,
        ) from exc
    return instance


def _assign(instance: models.Model, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = set(fields) - allowed
    if unknown:
        raise MasterDataError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="unknown_field"
        )
    for name, value in fields.items():
        setattr(instance, name, value)


def save_reference(*, actor, instance: models.Model, reason: str = "") -> models.Model:
    """Currencies, exchange rates, units, conversions, tax rates, payment terms and companies."""
    if hasattr(instance, "code"):
        instance.code = normalize_code(instance.code)
    if hasattr(instance, "name"):
        instance.name = normalize_text(instance.name)
    with transaction.atomic():
        return _save(instance, actor=actor, reason=reason)


def set_active(*, actor, record: models.Model, active: bool, reason: str = "") -> models.Model:
    """Deactivate or reactivate: referenced master data is never deleted."""
    record.active = active
    default = _("Reactivated") if active else _("Deactivated")
    with transaction.atomic():
        return _save(record, actor=actor, reason=reason or default)


# --- Items ------------------------------------------------------------------------------------

ITEM_FIELDS = (
    "code",
    "name",
    "item_type",
    "category",
    "base_unit",
    "purchase_unit",
    "sales_unit",
    "standard_price",
    "tax_rate",
    "reorder_point",
    "reorder_quantity",
    "lead_time_days",
    "barcode",
    "lot_tracked",
    "description",
    "active",
)


def _check_item(item: Item, *, purchase_factor: Decimal | None, sales_factor: Decimal | None) -> None:
    errors: dict[str, list[str]] = {}
    if item.category_id and item.category.company_id != item.company_id:
        errors.setdefault("category", []).append(_("The category belongs to another company."))
    if item.lot_tracked and item.item_type == Item.ItemType.SERVICE:
        errors.setdefault("lot_tracked", []).append(_("A service cannot be lot-tracked."))
    # A factor given for a unit serves it as purchase and as sales unit alike.
    given = {
        unit_id: factor
        for unit_id, factor in ((item.sales_unit_id, sales_factor), (item.purchase_unit_id, purchase_factor))
        if unit_id and factor is not None
    }
    for unit_field, factor_field in (("purchase_unit", "purchase_factor"), ("sales_unit", "sales_factor")):
        unit_id = getattr(item, f"{unit_field}_id")
        if not unit_id or unit_id == item.base_unit_id or unit_id in given:
            continue
        known = unit_factor(item=item if item.pk else None, from_unit_id=unit_id, to_unit_id=item.base_unit_id)
        if known is None:
            errors.setdefault(factor_field, []).append(
                _("How many %(base)s make one %(unit)s? Enter the conversion factor.")
                % {"base": item.base_unit.code, "unit": getattr(item, unit_field).code}
            )
    if item.barcode:
        clash = Item.objects.filter(company_id=item.company_id, barcode=item.barcode).exclude(pk=item.pk).first()
        if clash:
            errors.setdefault("barcode", []).append(_("Item %(code)s already has this barcode.") % {"code": clash.code})
    if item.code and Item.objects.filter(company_id=item.company_id, code=item.code).exclude(pk=item.pk).exists():
        errors.setdefault("code", []).append(_("Another item already has the code %(code)s.") % {"code": item.code})
    for factor_field, factor in (("purchase_factor", purchase_factor), ("sales_factor", sales_factor)):
        if factor is not None and factor <= 0:
            errors.setdefault(factor_field, []).append(_("The conversion factor must be greater than zero."))
    same_unit = item.purchase_unit_id and item.purchase_unit_id == item.sales_unit_id
    if same_unit and None not in (purchase_factor, sales_factor) and purchase_factor != sales_factor:
        errors.setdefault("sales_factor", []).append(
            _("The purchase and sales units are the same, so their factors must be too.")
        )
    if errors:
        raise ValidationError(errors)


def _normalise_item(item: Item) -> None:
    item.code = normalize_code(item.code)
    item.name = normalize_text(item.name)
    item.name_key = name_key(item.name)
    item.barcode = normalize_text(item.barcode).replace(" ", "")


def _save_item_conversions(item: Item, *, actor, purchase_factor: Decimal | None, sales_factor: Decimal | None) -> None:
    for unit, factor in ((item.purchase_unit, purchase_factor), (item.sales_unit, sales_factor)):
        if unit is None or factor is None or unit.pk == item.base_unit_id:
            continue
        conversion = UnitConversion.objects.filter(item=item, from_unit=unit, to_unit=item.base_unit).first()
        conversion = conversion or UnitConversion(item=item, from_unit=unit, to_unit=item.base_unit)
        if conversion.factor != factor:
            conversion.factor = factor
            _save(conversion, actor=actor)


def create_item(
    *,
    actor,
    company: Company,
    purchase_factor: Decimal | None = None,
    sales_factor: Decimal | None = None,
    **fields: Any,
) -> Item:
    """Create an item; a blank code is taken from the company's item sequence."""
    item = Item(company=company)
    _assign(item, fields, ITEM_FIELDS)
    _normalise_item(item)
    with transaction.atomic():
        _check_item(item, purchase_factor=purchase_factor, sales_factor=sales_factor)
        if not item.code:
            item.code = next_number(company_id=company.pk, document_type="item", on_date=None)
        _save(item, actor=actor, reason=_("Created"))
        _save_item_conversions(item, actor=actor, purchase_factor=purchase_factor, sales_factor=sales_factor)
    return item


def update_item(
    *,
    actor,
    item: Item,
    purchase_factor: Decimal | None = None,
    sales_factor: Decimal | None = None,
    reason: str = "",
    **fields: Any,
) -> Item:
    _assign(item, fields, ITEM_FIELDS)
    _normalise_item(item)
    if not item.code:
        raise ValidationError({"code": [_("An existing item keeps a code.")]})
    with transaction.atomic():
        _check_item(item, purchase_factor=purchase_factor, sales_factor=sales_factor)
        _save(item, actor=actor, reason=reason or _("Edited"))
        _save_item_conversions(item, actor=actor, purchase_factor=purchase_factor, sales_factor=sales_factor)
    return item


# --- Item categories --------------------------------------------------------------------------


def _tree_path(parent_path: str, pk: int) -> str:
    return f"{parent_path or '/'}{pk}/"


def _move_subtree(model: type[models.Model], old_path: str, new_path: str) -> None:
    """Rewrite the materialised paths below a node that moved."""
    model.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )


def save_category(*, actor, category: ItemCategory, reason: str = "") -> ItemCategory:
    category.code = normalize_code(category.code)
    category.name = normalize_text(category.name)
    parent = category.parent
    if parent is not None:
        if parent.company_id != category.company_id:
            raise ValidationError({"parent": [_("The parent category belongs to another company.")]})
        if category.pk and (parent.pk == category.pk or f"/{category.pk}/" in parent.path):
            raise ValidationError({"parent": [_("A category cannot be placed under itself or its own subcategory.")]})
    with transaction.atomic():
        old_path = category.path
        if not category.pk:
            category.path = "/"
            _save(category, actor=actor, reason=reason or _("Created"))
        else:
            _save(category, actor=actor, reason=reason or _("Edited"))
        new_path = _tree_path(parent.path if parent else "", category.pk)
        if new_path != old_path:
            if old_path and old_path != "/":
                _move_subtree(ItemCategory, old_path, new_path)
            ItemCategory.objects.filter(pk=category.pk).update(path=new_path)
            category.path = new_path
    return category


# --- Warehouses and locations -----------------------------------------------------------------


def save_warehouse(*, actor, warehouse: Warehouse, reason: str = "") -> Warehouse:
    warehouse.code = normalize_code(warehouse.code)
    warehouse.name = normalize_text(warehouse.name)
    created = warehouse.pk is None
    with transaction.atomic():
        return _save(warehouse, actor=actor, reason=reason or (_("Created") if created else _("Edited")))


def save_location(*, actor, location: Location, reason: str = "") -> Location:
    location.code = normalize_code(location.code)
    location.name = normalize_text(location.name)
    parent = location.parent
    errors: dict[str, list[str]] = {}
    if parent is not None:
        if parent.warehouse_id != location.warehouse_id:
            errors["parent"] = [_("The parent location is in another warehouse.")]
        elif parent.kind != Location.Kind.ZONE:
            errors["parent"] = [_("Only a zone can hold other locations.")]
        elif location.pk and (parent.pk == location.pk or f"/{location.pk}/" in parent.path):
            errors["parent"] = [_("A location cannot be placed inside itself.")]
    if location.pk and location.kind == Location.Kind.BIN and location.children.exists():
        errors["kind"] = [_("This location holds other locations, so it must stay a zone.")]
    if errors:
        raise ValidationError(errors)
    created = location.pk is None
    with transaction.atomic():
        old_path = location.path
        if created:
            location.path = "/"
        _save(location, actor=actor, reason=reason or (_("Created") if created else _("Edited")))
        new_path = _tree_path(parent.path if parent else "", location.pk)
        if new_path != old_path:
            if not created:
                _move_subtree(Location, old_path, new_path)
            Location.objects.filter(pk=location.pk).update(path=new_path)
            location.path = new_path
    return location


# --- Partners ---------------------------------------------------------------------------------

PARTNER_FIELDS = (
    "code",
    "name",
    "is_customer",
    "is_supplier",
    "tax_id_kind",
    "tax_id",
    "payment_terms",
    "credit_limit",
    "customer_group",
    "currency",
    "owner",
    "phone",
    "email",
    "notes",
    "active",
)


def _normalise_partner(partner: Partner) -> None:
    partner.code = normalize_code(partner.code)
    partner.name = normalize_text(partner.name)
    partner.name_key = name_key(partner.name)
    partner.tax_id = normalize_tax_id(partner.tax_id)
    if partner.tax_id and partner.tax_id_kind == Partner.TaxIdKind.NONE:
        partner.tax_id_kind = Partner.TaxIdKind.USCC if len(partner.tax_id) == 18 else Partner.TaxIdKind.OTHER


def tax_id_problem(*, company_id: int, tax_id_kind: str, tax_id: str, exclude_id: int | None) -> str | None:
    """Why this tax ID cannot be saved for a partner of the company, or None."""
    if tax_id_kind == Partner.TaxIdKind.USCC:
        if not tax_id:
            return _("Enter the unified social credit code.")
        problem = uscc_error(tax_id)
        if problem:
            return problem
    if tax_id:
        clash = Partner.objects.filter(company_id=company_id, tax_id=tax_id).exclude(pk=exclude_id).first()
        if clash:
            # The clash may be outside the user's scope, so it is not named here.
            return _(
                "Another partner of this company already has this tax ID; the same partner cannot be entered twice."
                " Search for it (or ask an administrator to merge the duplicates)."
            )
    return None


def _check_partner(partner: Partner) -> None:
    errors: dict[str, list[str]] = {}
    problem = tax_id_problem(
        company_id=partner.company_id, tax_id_kind=partner.tax_id_kind, tax_id=partner.tax_id, exclude_id=partner.pk
    )
    if problem:
        errors["tax_id"] = [problem]
    if not (partner.is_customer or partner.is_supplier):
        errors["is_customer"] = [_("A partner is a customer, a supplier, or both.")]
    if partner.customer_group_id and partner.customer_group.company_id != partner.company_id:
        errors["customer_group"] = [_("The customer group belongs to another company.")]
    if (
        partner.code
        and Partner.objects.filter(company_id=partner.company_id, code=partner.code).exclude(pk=partner.pk).exists()
    ):
        errors["code"] = [_("Another partner already has the code %(code)s.") % {"code": partner.code}]
    if errors:
        raise ValidationError(errors)


def _sync_owner_access(partner: Partner, previous_owner_id: int | None) -> None:
    """The owner sees the partner's documents: ownership is an object permission on the partner."""
    if previous_owner_id and previous_owner_id != partner.owner_id:
        previous_owner = get_user_model().objects.get(pk=previous_owner_id)
        remove_perm(ACCESS_PARTNER, previous_owner, partner)
    if partner.owner_id and partner.owner_id != previous_owner_id:
        assign_perm(ACCESS_PARTNER, partner.owner, partner)


def create_partner(*, actor, company: Company, **fields: Any) -> Partner:
    """Create a partner; a blank code is taken from the company's partner sequence."""
    partner = Partner(company=company, currency=company.base_currency)
    _assign(partner, fields, PARTNER_FIELDS)
    _normalise_partner(partner)
    with transaction.atomic():
        _check_partner(partner)
        if not partner.code:
            partner.code = next_number(company_id=company.pk, document_type="partner", on_date=None)
        _save(partner, actor=actor, reason=_("Created"))
        _sync_owner_access(partner, None)
    return partner


def update_partner(*, actor, partner: Partner, reason: str = "", **fields: Any) -> Partner:
    previous_owner_id = Partner.objects.filter(pk=partner.pk).values_list("owner_id", flat=True).first()
    _assign(partner, fields, PARTNER_FIELDS)
    _normalise_partner(partner)
    if not partner.code:
        raise ValidationError({"code": [_("An existing partner keeps a code.")]})
    with transaction.atomic():
        _check_partner(partner)
        _save(partner, actor=actor, reason=reason or _("Edited"))
        _sync_owner_access(partner, previous_owner_id)
    return partner


def _replace_children(*, actor, model, partner: Partner, rows: list[dict], fields: tuple[str, ...]) -> list:
    """Make the partner's addresses (or contacts) exactly `rows`: update by id, add, remove the rest."""
    existing = {child.pk: child for child in model.objects.filter(partner=partner)}
    kept = []
    with transaction.atomic():
        for row in rows:
            child = existing.pop(row.get("id"), None) if row.get("id") else None
            child = child or model(partner=partner)
            values = {name: row[name] for name in fields if name in row}
            if child.pk and all(getattr(child, name) == value for name, value in values.items()):
                kept.append(child)
                continue
            _assign(child, values, fields)
            kept.append(_save(child, actor=actor))
        for child in existing.values():
            child._history_user = actor
            child.delete()
    return kept


def replace_partner_addresses(*, actor, partner: Partner, addresses: list[dict]) -> list[PartnerAddress]:
    fields = ("kind", "line", "city", "province", "postal_code", "country", "is_default")
    return _replace_children(actor=actor, model=PartnerAddress, partner=partner, rows=addresses, fields=fields)


def replace_partner_contacts(*, actor, partner: Partner, contacts: list[dict]) -> list[PartnerContact]:
    fields = ("name", "title", "phone", "email", "is_primary")
    return _replace_children(actor=actor, model=PartnerContact, partner=partner, rows=contacts, fields=fields)


# --- Row access -------------------------------------------------------------------------------

SCOPE_PERMISSIONS = {Company: ACCESS_COMPANY, Warehouse: ACCESS_WAREHOUSE, Partner: ACCESS_PARTNER}


def grant_access(*, actor, holder, scope_object: models.Model) -> None:
    """Let a user or group see the rows of a company, warehouse or partner (logged as a security event)."""
    with acting_as(actor):
        assign_perm(SCOPE_PERMISSIONS[type(scope_object)], holder, scope_object)


def revoke_access(*, actor, holder, scope_object: models.Model) -> None:
    with acting_as(actor):
        remove_perm(SCOPE_PERMISSIONS[type(scope_object)], holder, scope_object)


# --- Merging duplicates -----------------------------------------------------------------------


def _is_history_model(model: type[models.Model]) -> bool:
    return hasattr(model, "instance_type")


def _reverse_relations(model: type[models.Model]) -> list:
    """Every foreign key pointing at `model`, those declared with related_name="+" included."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation and field.auto_created and not field.concrete
    ]


def _repoint_references(model: type[models.Model], old_pk: int, new_pk: int) -> dict[str, int]:
    """Point every foreign key at `old_pk` to `new_pk`; history rows keep what they recorded."""
    from guardian.models.models import BaseObjectPermission

    counts: dict[str, int] = {}
    for relation in _reverse_relations(model):
        related = relation.related_model
        if relation.many_to_many or _is_history_model(related) or issubclass(related, BaseObjectPermission):
            continue
        field_name = relation.field.name
        label = f"{related._meta.app_label}.{related._meta.model_name}.{field_name}"
        try:
            with transaction.atomic():
                updated = related._base_manager.filter(**{field_name: old_pk}).update(**{field_name: new_pk})
        except IntegrityError as exc:
            raise MasterDataError(
                _("Both records have %(what)s that cannot be combined; resolve them first.")
                % {"what": related._meta.verbose_name_plural},
                code="merge_conflict",
                status_code=409,
                details={"relation": label},
            ) from exc
        if updated:
            counts[label] = updated
    return counts


def _copy_object_permissions(model: type[models.Model], old: models.Model, new: models.Model) -> None:
    from guardian.models.models import BaseObjectPermission

    for relation in model._meta.related_objects:
        related = relation.related_model
        if not issubclass(related, BaseObjectPermission):
            continue
        for grant in related.objects.filter(content_object=old).select_related("permission"):
            holder = getattr(grant, "user", None) or grant.group
            assign_perm(grant.permission, holder, new)


def _merge(*, actor, kind: str, merged: models.Model, kept: models.Model, reason: str) -> MergeRecord:
    model = type(merged)
    if not reason.strip():
        raise MasterDataError(_("Say why the two records are merged."), code="reason_required", field="reason")
    if merged.pk == kept.pk:
        raise MasterDataError(_("A record cannot be merged into itself."), code="merge_same", field="into")
    if merged.company_id != kept.company_id:
        raise MasterDataError(_("Only records of the same company can be merged."), code="merge_company", field="into")
    with transaction.atomic():
        locked = {
            row.pk: row for row in model.objects.select_for_update().filter(pk__in=[merged.pk, kept.pk]).order_by("pk")
        }
        merged, kept = locked[merged.pk], locked[kept.pk]
        if not merged.active:
            raise MasterDataError(
                _("%(record)s was already merged or deactivated.") % {"record": merged},
                code="merge_inactive",
                status_code=409,
            )
        if not kept.active:
            raise MasterDataError(_("Merge into an active record."), code="merge_into_inactive", field="into")
        if kind == MergeRecord.Kind.ITEM:
            # The kept item's own conversions win over the merged item's identical ones.
            kept_pairs = set(UnitConversion.objects.filter(item=kept).values_list("from_unit_id", "to_unit_id"))
            for conversion in UnitConversion.objects.filter(item=merged):
                if (conversion.from_unit_id, conversion.to_unit_id) in kept_pairs:
                    conversion._history_user = actor
                    conversion.delete()
        references = _repoint_references(model, merged.pk, kept.pk)
        _copy_object_permissions(model, merged, kept)
        merged.active = False
        if kind == MergeRecord.Kind.PARTNER and merged.tax_id:
            merged.tax_id = ""  # the tax ID belongs to the surviving record now
        merged._history_user = actor
        merged._change_reason = _("Merged into %(kept)s: %(reason)s") % {"kept": kept.code, "reason": reason}
        merged.save()
        return MergeRecord.objects.create(
            company_id=merged.company_id,
            kind=kind,
            merged_id=merged.pk,
            merged_code=merged.code,
            kept_id=kept.pk,
            kept_code=kept.code,
            reason=reason.strip(),
            references=references,
            merged_by=actor,
        )


def merge_partners(*, actor, merged: Partner, kept: Partner, reason: str) -> MergeRecord:
    """Repoint every reference from `merged` to `kept` in one transaction and deactivate `merged`."""
    return _merge(actor=actor, kind=MergeRecord.Kind.PARTNER, merged=merged, kept=kept, reason=reason)


def merge_items(*, actor, merged: Item, kept: Item, reason: str) -> MergeRecord:
    return _merge(actor=actor, kind=MergeRecord.Kind.ITEM, merged=merged, kept=kept, reason=reason)


def allocate_codes(*, company: Company, kind: str, count: int) -> list[str]:
    """Codes for records imported without one, taken in one statement."""
    return allocate_numbers(company_id=company.pk, document_type=kind, count=count, on_date=None)
