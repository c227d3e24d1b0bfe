"""Bills of materials: versions with lines in base units, one active version per item, no cycles."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.documents import stamp_history
from apps.core.money import round_quantity, to_decimal
from apps.masterdata.models import Company, Item
from apps.masterdata.selectors import unit_factor

from ..models import BillOfMaterials, BomLine, WorkOrder
from .common import ProductionError

MAX_SCRAP = Decimal(100)


def _check_header(
    *, company: Company, item: Item, version: str, output_quantity: Decimal, valid_from, valid_to
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if item.company_id != company.pk:
        errors["item"] = [_("The item belongs to another company.")]
    elif item.item_type != Item.ItemType.STOCK:
        errors["item"] = [_("Only a stock item can be made from a bill of materials.")]
    if not (version or "").strip():
        errors["version"] = [_("Name the version.")]
    if output_quantity is None or output_quantity <= 0:
        errors["output_quantity"] = [_("The output quantity must be greater than zero.")]
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("The end of validity cannot be before its start.")]
    return errors


def _completed_lines(company: Company, lines: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[BomLine]:
    """The lines as unsaved rows with their base quantity; problems go into `errors` by field."""
    if not lines:
        errors["lines"] = [_("Add at least one component.")]
        return []
    completed = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        component: Item | None = line.get("component")
        if component is None:
            errors[f"{prefix}.component"] = [_("Choose a component.")]
            continue
        if component.company_id != company.pk:
            errors[f"{prefix}.component"] = [_("The component belongs to another company.")]
            continue
        if component.item_type != Item.ItemType.STOCK:
            errors[f"{prefix}.component"] = [_("Only stock items can be components.")]
            continue
        quantity = line.get("quantity")
        quantity = to_decimal(quantity) if quantity not in (None, "") else None
        if quantity is None or quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
            continue
        scrap = to_decimal(line.get("scrap_percent") or 0)
        if scrap < 0 or scrap >= MAX_SCRAP:
            errors[f"{prefix}.scrap_percent"] = [_("Scrap is at least 0 % and below 100 %.")]
            continue
        unit = line.get("unit") or component.base_unit
        factor = unit_factor(item=component, from_unit_id=unit.pk, to_unit_id=component.base_unit_id)
        if factor is None:
            errors[f"{prefix}.unit"] = [
                _("%(item)s has no conversion from %(unit)s to %(base)s.")
                % {"item": component, "unit": unit.code, "base": component.base_unit.code}
            ]
            continue
        completed.append(
            BomLine(
                component=component,
                quantity=round_quantity(quantity),
                unit=unit,
                base_quantity=round_quantity(quantity * factor),
                scrap_percent=scrap,
            )
        )
    return completed


def component_graph(company: Company, *, exclude_bom_id: int | None = None) -> dict[int, set[int]]:
    """Item → the components any of its BOM versions uses (one query)."""
    graph: dict[int, set[int]] = {}
    rows = BomLine.objects.filter(bom__company=company).values_list("bom__item_id", "component_id", "bom_id")
    for item_id, component_id, bom_id in rows:
        if bom_id != exclude_bom_id:
            graph.setdefault(item_id, set()).add(component_id)
    return graph


def find_cycle(graph: dict[int, set[int]], start: int, components: list[int]) -> list[int] | None:
    """A path start → … → start through `components` and the graph, or None."""
    stack: list[tuple[int, list[int]]] = [(component, [start, component]) for component in components]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == start:
            return path
        if node in seen:
            continue
        seen.add(node)
        for child in sorted(graph.get(node, ())):
            stack.append((child, [*path, child]))
    return None


def refuse_cycles(company: Company, item: Item, lines: list[BomLine], *, exclude_bom_id: int | None) -> None:
    graph = component_graph(company, exclude_bom_id=exclude_bom_id)
    path = find_cycle(graph, item.pk, [line.component_id for line in lines])
    if path is None:
        return
    codes = dict(Item.objects.filter(pk__in=set(path)).values_list("pk", "code"))
    named = " → ".join(codes[pk] for pk in path)
    raise ProductionError(
        _("The bill of materials would make %(item)s out of itself: %(path)s.") % {"item": item.code, "path": named},
        code="bom_cycle",
        field="lines",
        details={"path": [codes[pk] for pk in path]},
    )


def _write_lines(bom: BillOfMaterials, lines: list[BomLine], *, actor) -> None:
    for old in bom.lines.all():
        stamp_history(old, actor=actor, reason=_("Line removed"))
        old.delete()
    for line in lines:
        line.bom = bom
        stamp_history(line, actor=actor)
        line.save()


def _validated(
    *, company, item, version, output_quantity, valid_from, valid_to, lines, exclude_bom_id
) -> list[BomLine]:
    output_quantity = to_decimal(output_quantity) if output_quantity not in (None, "") else None
    errors = _check_header(
        company=company,
        item=item,
        version=version,
        output_quantity=output_quantity,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    completed = _completed_lines(company, lines, errors)
    if errors:
        raise ValidationError(errors)
    refuse_cycles(company, item, completed, exclude_bom_id=exclude_bom_id)
    return completed


def _refuse_duplicate_version(company: Company, item: Item, version: str, exclude_pk: int | None) -> None:
    duplicates = BillOfMaterials.objects.filter(company=company, item=item, version=version)
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise ValidationError(
            {"version": [_("%(item)s already has a version %(version)s.") % {"item": item.code, "version": version}]}
        )


def create_bom(
    *,
    actor,
    company: Company,
    item: Item,
    version: str,
    lines: list[dict[str, Any]],
    output_quantity: Decimal = Decimal(1),
    valid_from: date | None = None,
    valid_to: date | None = None,
    notes: str = "",
    activate: bool = False,
) -> BillOfMaterials:
    version = (version or "").strip()
    completed = _validated(
        company=company,
        item=item,
        version=version,
        output_quantity=output_quantity,
        valid_from=valid_from,
        valid_to=valid_to,
        lines=lines,
        exclude_bom_id=None,
    )
    with transaction.atomic():
        _refuse_duplicate_version(company, item, version, None)
        bom = BillOfMaterials(
            company=company,
            item=item,
            version=version,
            output_quantity=round_quantity(output_quantity),
            valid_from=valid_from,
            valid_to=valid_to,
            notes=notes,
        )
        stamp_history(bom, actor=actor, reason=_("Created"))
        bom.save()
        _write_lines(bom, completed, actor=actor)
        if activate:
            bom = activate_bom(actor=actor, bom=bom)
    return bom


def update_bom(
    *,
    actor,
    bom: BillOfMaterials,
    version: str,
    lines: list[dict[str, Any]],
    output_quantity: Decimal,
    valid_from: date | None = None,
    valid_to: date | None = None,
    notes: str = "",
) -> BillOfMaterials:
    """Change a version and replace its lines; a version a work order froze stays as it was."""
    version = (version or "").strip()
    completed = _validated(
        company=bom.company,
        item=bom.item,
        version=version,
        output_quantity=output_quantity,
        valid_from=valid_from,
        valid_to=valid_to,
        lines=lines,
        exclude_bom_id=bom.pk,
    )
    with transaction.atomic():
        bom = BillOfMaterials.objects.select_for_update().select_related("company", "item").get(pk=bom.pk)
        if bom.work_orders.exclude(status=WorkOrder.Status.DRAFT).exists():
            raise ProductionError(
                _("Version %(bom)s is frozen on released work orders; create a new version instead.") % {"bom": bom},
                code="bom_in_use",
                status_code=409,
            )
        _refuse_duplicate_version(bom.company, bom.item, version, bom.pk)
        bom.version = version
        bom.output_quantity = round_quantity(output_quantity)
        bom.valid_from, bom.valid_to, bom.notes = valid_from, valid_to, notes
        stamp_history(bom, actor=actor, reason=_("Edited"))
        bom.save()
        _write_lines(bom, completed, actor=actor)
    return bom


def activate_bom(*, actor, bom: BillOfMaterials) -> BillOfMaterials:
    """Make this version the item's active one; the previously active version steps down."""
    with transaction.atomic():
        siblings = list(
            BillOfMaterials.objects.select_for_update()
            .filter(company_id=bom.company_id, item_id=bom.item_id)
            .order_by("pk")
        )
        for sibling in siblings:
            if sibling.is_active and sibling.pk != bom.pk:
                sibling.is_active = False
                stamp_history(
                    sibling, actor=actor, reason=_("Replaced by version %(version)s") % {"version": bom.version}
                )
                sibling.save(update_fields=["is_active", "modified_at"])
        bom = next(sibling for sibling in siblings if sibling.pk == bom.pk)
        if not bom.is_active:
            bom.is_active = True
            stamp_history(bom, actor=actor, reason=_("Activated"))
            bom.save(update_fields=["is_active", "modified_at"])
    return bom


def deactivate_bom(*, actor, bom: BillOfMaterials) -> BillOfMaterials:
    with transaction.atomic():
        bom = BillOfMaterials.objects.select_for_update().get(pk=bom.pk)
        if bom.is_active:
            bom.is_active = False
            stamp_history(bom, actor=actor, reason=_("Deactivated"))
            bom.save(update_fields=["is_active", "modified_at"])
    return bom


def bom_for_release(*, item: Item, on_date: date, chosen: BillOfMaterials | None) -> BillOfMaterials:
    """The version a work order freezes: the one chosen on it, else the item's active version; valid on the date."""
    bom = chosen or (BillOfMaterials.objects.filter(company_id=item.company_id, item=item, is_active=True).first())
    if bom is None:
        raise ProductionError(
            _("%(item)s has no active bill of materials.") % {"item": item}, code="no_bom", field="bom"
        )
    if (bom.valid_from and on_date < bom.valid_from) or (bom.valid_to and on_date > bom.valid_to):
        raise ProductionError(
            _("Version %(bom)s is not valid on %(date)s.") % {"bom": bom, "date": on_date},
            code="bom_not_valid",
            field="bom",
        )
    if not bom.lines.exists():
        raise ProductionError(_("Version %(bom)s has no components.") % {"bom": bom}, code="bom_empty", field="bom")
    return bom
