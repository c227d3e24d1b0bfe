"""What the production services share: the domain error, per-unit arithmetic, default locations."""

from decimal import Decimal

from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.masterdata.models import Location, Warehouse

from ..models import BomLine


class ProductionError(DomainError):
    pass


def required_per_output(line: BomLine, output_quantity: Decimal) -> Decimal:
    """Base units of the line's component consumed per base unit made, scrap included."""
    return line.base_quantity * (1 + line.scrap_percent / 100) / output_quantity


def default_location(warehouse: Warehouse) -> Location:
    """Where output goes when nobody names a place: the warehouse's first active bin."""
    location = (
        Location.objects.filter(warehouse=warehouse, active=True)
        .exclude(kind=Location.Kind.TRANSIT)
        .order_by("kind", "path", "id")
        .first()
    )
    if location is None:
        raise ProductionError(
            _("Warehouse %(warehouse)s has no location to receive into.") % {"warehouse": warehouse},
            code="no_location",
        )
    return location
