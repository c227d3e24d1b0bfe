"""Work orders: draft → released (BOM frozen, components reserved) → in progress → done → closed."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_amount, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.models import Reservation
from apps.inventory.services import ReservationRequest, release_reservations, reserve
from apps.inventory.services.postings import event_payload
from apps.masterdata.models import Company, Item, Location, Warehouse
from apps.sales.models import SalesOrderLine

from ..models import BillOfMaterials, MaterialIssue, ProductionOutput, WorkOrder, WorkOrderComponent
from .boms import bom_for_release
from .common import ProductionError, required_per_output

Status = WorkOrder.Status
WIP = "wip"
VARIANCE = "production_variance"


def _check_work_order(
    *,
    company: Company,
    item: Item,
    quantity: Decimal | None,
    warehouse: Warehouse,
    bom: BillOfMaterials | None,
    sales_order_line: SalesOrderLine | None,
    output_location: Location | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if item.company_id != company.pk:
        errors["item"] = [_("The item belongs to another company.")]
    elif item.item_type != Item.ItemType.STOCK:
        errors["item"] = [_("Only a stock item can be made.")]
    if quantity is None or quantity <= 0:
        errors["quantity"] = [_("The quantity must be greater than zero.")]
    if warehouse.company_id != company.pk:
        errors["warehouse"] = [_("The warehouse belongs to another company.")]
    if bom is not None and bom.item_id != item.pk:
        errors["bom"] = [_("The bill of materials is for another item.")]
    if sales_order_line is not None and (
        sales_order_line.item_id != item.pk or sales_order_line.order.company_id != company.pk
    ):
        errors["sales_order_line"] = [_("The sales order line is for another item.")]
    if output_location is not None and output_location.warehouse_id != warehouse.pk:
        errors["output_location"] = [_("The output location is in another warehouse.")]
    if errors:
        raise ValidationError(errors)


def create_work_order(
    *,
    actor,
    company: Company,
    item: Item,
    quantity: Decimal,
    due_date: date,
    warehouse: Warehouse,
    source: str = WorkOrder.Source.MANUAL,
    sales_order_line: SalesOrderLine | None = None,
    bom: BillOfMaterials | None = None,
    backflush: bool = False,
    output_location: Location | None = None,
    note: str = "",
) -> WorkOrder:
    """A draft work order; a sales order line makes it one made to that order."""
    quantity = round_quantity(quantity) if quantity not in (None, "") else None
    _check_work_order(
        company=company,
        item=item,
        quantity=quantity,
        warehouse=warehouse,
        bom=bom,
        sales_order_line=sales_order_line,
        output_location=output_location,
    )
    if sales_order_line is not None and source == WorkOrder.Source.MANUAL:
        source = WorkOrder.Source.SALES_ORDER
    today = timezone.localdate()
    with transaction.atomic():
        work_order = WorkOrder(
            company=company,
            item=item,
            quantity=quantity,
            due_date=due_date,
            warehouse=warehouse,
            source=source,
            sales_order_line=sales_order_line,
            bom=bom,
            backflush=backflush,
            output_location=output_location,
            note=note,
            document_date=today,
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=WorkOrder.DOCUMENT_TYPE, on_date=today),
        )
        stamp_history(work_order, actor=actor, reason=_("Created"))
        work_order.save()
    return work_order


def update_work_order(
    *,
    actor,
    work_order: WorkOrder,
    quantity: Decimal,
    due_date: date,
    warehouse: Warehouse,
    bom: BillOfMaterials | None = None,
    backflush: bool = False,
    output_location: Location | None = None,
    note: str = "",
) -> WorkOrder:
    quantity = round_quantity(quantity) if quantity not in (None, "") else None
    with transaction.atomic():
        work_order = lock_document(work_order, "item")
        require_status(work_order, Status.DRAFT, message=_("Only a draft work order can be edited."))
        _check_work_order(
            company=work_order.company,
            item=work_order.item,
            quantity=quantity,
            warehouse=warehouse,
            bom=bom,
            sales_order_line=work_order.sales_order_line,
            output_location=output_location,
        )
        work_order.quantity, work_order.due_date, work_order.warehouse = quantity, due_date, warehouse
        work_order.bom, work_order.backflush, work_order.output_location = bom, backflush, output_location
        work_order.note, work_order.modified_by = note, actor
        stamp_history(work_order, actor=actor, reason=_("Edited"))
        work_order.save()
    return work_order


def _components_from(bom: BillOfMaterials, work_order: WorkOrder, *, actor) -> list[WorkOrderComponent]:
    required: dict[int, Decimal] = defaultdict(Decimal)
    first_line = {}
    for line in bom.lines.select_related("component").order_by("id"):
        required[line.component_id] += work_order.quantity * required_per_output(line, bom.output_quantity)
        first_line.setdefault(line.component_id, line)
    components = []
    for component_id, quantity in required.items():
        component = WorkOrderComponent(
            work_order=work_order,
            bom_line=first_line[component_id],
            item=first_line[component_id].component,
            required_quantity=round_quantity(quantity),
        )
        stamp_history(component, actor=actor, reason=_("Released"))
        component.save()
        components.append(component)
    return components


def refresh_reserved(work_order: WorkOrder) -> None:
    """Each component's reserved quantity from its open reservations (one query)."""
    source_type = ContentType.objects.get_for_model(WorkOrder)
    open_by_line = dict(
        Reservation.objects.filter(source_type=source_type, source_id=work_order.pk, status=Reservation.Status.OPEN)
        .values("source_line_id")
        .annotate(total=Sum("open_quantity"))
        .values_list("source_line_id", "total")
    )
    components = list(work_order.components.all())
    for component in components:
        component.reserved_quantity = open_by_line.get(component.pk, ZERO)
    WorkOrderComponent.objects.bulk_update(components, ["reserved_quantity"])


def release_work_order(*, actor, work_order: WorkOrder) -> WorkOrder:
    """Freeze the BOM version valid today, write the components (scrap included) and reserve what
    the warehouse has of them; what it lacks shows as a shortage."""
    today = timezone.localdate()
    with transaction.atomic():
        work_order = lock_document(work_order, "item", "warehouse")
        require_status(work_order, Status.DRAFT, message=_("Only a draft work order can be released."))
        bom = bom_for_release(item=work_order.item, on_date=today, chosen=work_order.bom)
        work_order.bom = bom
        work_order.released_at = timezone.now()
        components = _components_from(bom, work_order, actor=actor)
        reserve(
            company=work_order.company,
            requests=[
                ReservationRequest(
                    item=component.item,
                    quantity=component.required_quantity,
                    warehouse_id=work_order.warehouse_id,
                    source_line_id=component.pk,
                )
                for component in components
                if component.required_quantity > 0
            ],
            source=work_order,
            actor=actor,
            allow_partial=True,
        )
        refresh_reserved(work_order)
        transition(
            work_order,
            to=Status.RELEASED,
            actor=actor,
            reason=_("Released with version %(version)s") % {"version": bom.version},
            extra_fields=("bom", "released_at"),
        )
    return work_order


def start_work_order(*, actor, work_order: WorkOrder) -> WorkOrder:
    with transaction.atomic():
        return transition(lock_document(work_order), to=Status.IN_PROGRESS, actor=actor, reason=_("Started"))


def ensure_started(work_order: WorkOrder, *, actor) -> None:
    """Issuing or reporting output on a released order starts it."""
    if work_order.status == Status.RELEASED:
        transition(work_order, to=Status.IN_PROGRESS, actor=actor, reason=_("Started"))


def complete_work_order(*, actor, work_order: WorkOrder) -> WorkOrder:
    """Production ends: what is still reserved for it goes back to stock."""
    with transaction.atomic():
        work_order = lock_document(work_order)
        require_status(work_order, Status.IN_PROGRESS, message=_("Only a work order in progress can be completed."))
        if work_order.output_quantity <= 0 and work_order.scrap_quantity <= 0:
            raise ProductionError(
                _("Report some output before completing the work order."), code="no_output", status_code=409
            )
        release_reservations(source=work_order, actor=actor)
        refresh_reserved(work_order)
        return transition(work_order, to=Status.DONE, actor=actor, reason=_("Completed"))


def close_work_order(*, actor, work_order: WorkOrder, on_date: date | None = None) -> WorkOrder:
    """Settle the order: what is left in work in progress (issued cost − output value) goes to variance."""
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        work_order = lock_document(work_order, "item")
        require_status(work_order, Status.DONE, message=_("Only a completed work order can be closed."))
        variance = round_amount(work_order.wip_balance)
        if variance:
            _emit_variance(work_order, variance, on_date=on_date)
        work_order.variance += variance
        return transition(
            work_order,
            to=Status.CLOSED,
            actor=actor,
            reason=_("Closed with a variance of %(amount)s") % {"amount": variance},
            extra_fields=("variance",),
        )


def _emit_variance(work_order: WorkOrder, variance: Decimal, *, on_date: date) -> None:
    """A positive variance (more issued than output absorbed) is a cost: Dr variance / Cr WIP."""
    category = work_order.item.category_id
    amount = str(abs(variance))
    debit_role, credit_role = (VARIANCE, WIP) if variance > 0 else (WIP, VARIANCE)
    lines = [
        {
            "role": debit_role,
            "item_category": category,
            "warehouse": None,
            "partner": None,
            "debit": amount,
            "credit": "0",
        },
        {
            "role": credit_role,
            "item_category": category,
            "warehouse": None,
            "partner": None,
            "debit": "0",
            "credit": amount,
        },
    ]
    emit(
        kind="production.work_order.closed",
        source=work_order,
        company_id=work_order.company_id,
        payload=event_payload(
            document=work_order,
            on_date=on_date,
            description=_("Production variance of work order %(number)s") % {"number": work_order.number},
            lines=lines,
        ),
    )


def cancel_work_order(*, actor, work_order: WorkOrder, reason: str) -> WorkOrder:
    """Give back the reservations; an order that already consumed material is closed, not cancelled."""
    reason = require_reason(reason, _("Say why the work order is cancelled."))
    with transaction.atomic():
        work_order = lock_document(work_order)
        require_status(
            work_order,
            Status.DRAFT,
            Status.RELEASED,
            Status.IN_PROGRESS,
            message=_("Only an open work order can be cancelled."),
        )
        if (
            work_order.issues.filter(status=MaterialIssue.Status.POSTED).exists()
            or work_order.outputs.filter(status=ProductionOutput.Status.POSTED).exists()
        ):
            raise ProductionError(
                _(
                    "Material was issued or output reported on %(number)s: complete and close it instead, so its "
                    "cost is settled."
                )
                % {"number": work_order.number},
                code="work_order_has_postings",
                status_code=409,
            )
        release_reservations(source=work_order, actor=actor)
        refresh_reserved(work_order)
        return transition(work_order, to=Status.CANCELLED, actor=actor, reason=reason)
