"""The two-level path shared by the in-process and the real-worker tests.

Frames: 10 ordered, 21 steel required (10 × 2 × 1.05), issued at 3.00 = 63.00; 10 frames out into lot
F1 at 6.30 each (63.00 / 21 × 21 / 10); nothing left in WIP.
Bikes: 4 ordered, needing 4 frames and 2 resin. Issued: 4 frames of F1 at 6.30 = 25.20, 2 resin of
lot R1 at the resin's moving average 8.50 ((80 + 90) / 20) = 17.00, so 42.20 in WIP. Per bike:
25.20 / 4 + 17.00 / 2 × 2 / 4 = 10.55. Output 1 good + 1 scrapped ("cracked"), then 2 good, all into
lot B1: 3 × 10.55 = 31.65 out of WIP; the scrapped bike's 10.55 stays and is the variance at closing.
"""

from datetime import date, timedelta
from decimal import Decimal

from apps.production import services
from apps.production.models import WorkOrder

TODAY = date.today()


def make_frames(*, actor, frame_order, location) -> WorkOrder:
    services.release_work_order(actor=actor, work_order=frame_order)
    steel = frame_order.components.get().item
    services.issue_materials(
        actor=actor, work_order=frame_order, lines=[services.IssueLine(steel, Decimal("21"), location)]
    )
    services.post_output(actor=actor, work_order=frame_order, quantity=Decimal("10"), lot_number="F1")
    services.complete_work_order(actor=actor, work_order=frame_order)
    return services.close_work_order(actor=actor, work_order=frame_order)


def make_bikes(*, actor, company, bike, warehouse, location, resin, frame) -> WorkOrder:
    order = services.create_work_order(
        actor=actor,
        company=company,
        item=bike,
        quantity=Decimal("4"),
        due_date=TODAY + timedelta(days=14),
        warehouse=warehouse,
        output_location=location,
    )
    services.release_work_order(actor=actor, work_order=order)
    resin_lot = resin.lots.get(number="R1")
    services.issue_materials(
        actor=actor,
        work_order=order,
        lines=[
            services.IssueLine(frame, Decimal("4")),  # location and lot from its reservation
            services.IssueLine(resin, Decimal("2"), lot=resin_lot),
        ],
    )
    services.post_output(
        actor=actor,
        work_order=order,
        quantity=Decimal("1"),
        scrap_quantity=Decimal("1"),
        scrap_reason="cracked",
        lot_number="B1",
    )
    services.post_output(actor=actor, work_order=order, quantity=Decimal("2"), lot_number="B1")
    services.complete_work_order(actor=actor, work_order=order)
    return services.close_work_order(actor=actor, work_order=order)
