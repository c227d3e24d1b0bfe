from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.models import Document


class Voucher(Document):
    """A minimal document to exercise the document base, numbering and transitions."""

    DOCUMENT_TYPE = "voucher"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.CONFIRMED, Status.CANCELLED},
        Status.CONFIRMED: {Status.CANCELLED},
    }

    note = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        pass


class HandledEvent(models.Model):
    """One row per event the test subscriber handled: a second row would be a double posting."""

    event = models.ForeignKey("core.OutboxEvent", on_delete=models.CASCADE)
    handled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"handled {self.event_id}"


class PartnerOrder(models.Model):
    """A document of another app that refers to a partner and an item without a reverse accessor
    (related_name="+", as documents do): merging must repoint it too."""

    partner = models.ForeignKey("masterdata.Partner", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("masterdata.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=6, default=1)

    def __str__(self) -> str:
        return f"order {self.pk}"
