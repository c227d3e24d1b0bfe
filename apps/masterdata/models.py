from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from apps.core.money import AmountField, QuantityField


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Currency(models.Model):
    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=60)
    symbol = models.CharField(_("symbol"), max_length=8, blank=True)
    decimal_places = models.PositiveSmallIntegerField(_("decimal places"), default=2)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(decimal_places__lte=4), name="currency_places_max")]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """One unit of `currency` is worth `rate` units of `quote_currency` from `rate_date` on."""

    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="rates", verbose_name=_("currency"))
    quote_currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("quote currency")
    )
    rate_date = models.DateField(_("rate date"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency__code", "-rate_date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "quote_currency", "rate_date"], name="exchange_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(currency=models.F("quote_currency")), name="exchange_rate_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.currency_id}/{self.quote_currency_id} {self.rate_date}: {self.rate}"


class UnitOfMeasure(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name != self.code else self.code


class UnitConversion(models.Model):
    """1 `from_unit` = `factor` `to_unit`; an item's own conversion overrides a general one."""

    item = models.ForeignKey(
        "Item",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="unit_conversions",
        verbose_name=_("item"),
    )
    from_unit = models.ForeignKey(
        UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("from unit")
    )
    to_unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("to unit"))
    factor = QuantityField(_("factor"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit conversion")
        verbose_name_plural = _("unit conversions")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "from_unit", "to_unit"], condition=Q(item__isnull=False), name="conversion_item_unique"
            ),
            models.UniqueConstraint(
                fields=["from_unit", "to_unit"], condition=Q(item__isnull=True), name="conversion_general_unique"
            ),
            models.CheckConstraint(condition=Q(factor__gt=0), name="conversion_factor_positive"),
            models.CheckConstraint(condition=~Q(from_unit=models.F("to_unit")), name="conversion_distinct_units"),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_unit_id} = {self.factor} {self.to_unit_id}"


class TaxRate(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=60)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["-rate", "code"]
        constraints = [models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100), name="tax_rate_range")]

    def __str__(self) -> str:
        return self.name


class PaymentTerms(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=60)
    due_days = models.PositiveSmallIntegerField(_("due in days"), default=30)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")
        ordering = ["due_days", "code"]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    base_currency = models.ForeignKey(Currency, on_delete=models.PROTECT, verbose_name=_("base currency"))
    tax_id = models.CharField(_("tax ID"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["code"]
        permissions = [("access_company", _("Can access the company's data"))]

    def __str__(self) -> str:
        return self.name


class ItemCategory(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    # "/1/4/9/": the ids from the root down to this category, for subtree queries without recursion.
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["path"])
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="item_category_code_unique")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    class ItemType(models.TextChoices):
        STOCK = "stock", _("Stock item")
        CONSUMABLE = "consumable", _("Consumable")
        SERVICE = "service", _("Service")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    item_type = models.CharField(_("type"), max_length=16, choices=ItemType.choices, default=ItemType.STOCK)
    category = models.ForeignKey(
        ItemCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="items", verbose_name=_("category")
    )
    base_unit = models.ForeignKey(
        UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("base unit")
    )
    purchase_unit = models.ForeignKey(
        UnitOfMeasure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("purchase unit"),
    )
    sales_unit = models.ForeignKey(
        UnitOfMeasure, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("sales unit")
    )
    standard_price = QuantityField(_("standard price"), default=0)
    tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("tax rate")
    )
    reorder_point = QuantityField(_("reorder point"), default=0)
    reorder_quantity = QuantityField(_("reorder quantity"), default=0)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=0)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    lot_tracked = models.BooleanField(_("lot tracked"), default=False)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["name_key"])
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]
        permissions = [("merge_item", _("Can merge items")), ("import_item", _("Can import items"))]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="item_code_unique"),
            models.UniqueConstraint(
                fields=["company", "barcode"], condition=~Q(barcode=""), name="item_barcode_unique"
            ),
            models.CheckConstraint(condition=Q(standard_price__gte=0), name="item_price_not_negative"),
            models.CheckConstraint(
                condition=Q(reorder_point__gte=0, reorder_quantity__gte=0), name="item_reorder_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["company", "name"], name="item_company_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CustomerGroup(models.Model):
    """Customers priced alike (distributors, retail, key accounts): price lists can target a group."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="customer_group_code_unique")]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A customer, a supplier, or both: one record however many modules use it."""

    class TaxIdKind(models.TextChoices):
        USCC = "uscc", _("Unified social credit code")
        OTHER = "other", _("Other tax ID")
        NONE = "none", _("None")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    is_customer = models.BooleanField(_("customer"), default=False)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    tax_id_kind = models.CharField(_("tax ID kind"), max_length=8, choices=TaxIdKind.choices, default=TaxIdKind.NONE)
    tax_id = models.CharField(_("tax ID"), max_length=40, blank=True)
    payment_terms = models.ForeignKey(
        PaymentTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment terms")
    )
    credit_limit = AmountField(_("credit limit"), null=True, blank=True, help_text=_("Empty means no limit"))
    customer_group = models.ForeignKey(
        CustomerGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer group"),
    )
    currency = models.ForeignKey(
        Currency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_partners",
        verbose_name=_("owner"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["name_key"])
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["code"]
        permissions = [
            ("access_partner", _("Can access the partner's documents")),
            ("merge_partner", _("Can merge partners")),
            ("import_partner", _("Can import partners")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="partner_code_unique"),
            models.UniqueConstraint(
                fields=["company", "tax_id"], condition=~Q(tax_id=""), name="partner_tax_id_unique"
            ),
            models.CheckConstraint(condition=Q(is_customer=True) | Q(is_supplier=True), name="partner_has_role"),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0), name="partner_credit_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["company", "name"], name="partner_company_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PartnerAddress(models.Model):
    class Kind(models.TextChoices):
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        OTHER = "other", _("Other")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("partner"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.BILLING)
    line = models.CharField(_("address"), max_length=300)
    city = models.CharField(_("city"), max_length=80, blank=True)
    province = models.CharField(_("province"), max_length=80, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    is_default = models.BooleanField(_("default"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner address")
        verbose_name_plural = _("partner addresses")
        ordering = ["partner", "-is_default", "id"]

    def __str__(self) -> str:
        return " ".join(part for part in (self.province, self.city, self.line) if part)


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner"))
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("title"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["partner", "-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class Warehouse(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]
        permissions = [
            ("access_warehouse", _("Can access the warehouse's stock and documents")),
            ("import_warehouse", _("Can import warehouses and locations")),
        ]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="warehouse_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(models.Model):
    """A place in a warehouse: zones hold bins (warehouse > zone > bin)."""

    class Kind(models.TextChoices):
        ZONE = "zone", _("Zone")
        BIN = "bin", _("Bin")
        TRANSIT = "transit", _("In transit")

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="locations", verbose_name=_("warehouse")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BIN)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120, blank=True)
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["path"])
    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse", "path"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique")]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}" if self.warehouse_id else self.code


class MergeRecord(models.Model):
    """Two records found to be one: who merged which into which, why, and what was repointed."""

    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        PARTNER = "partner", _("Partner")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    merged_id = models.PositiveBigIntegerField(_("merged record"))
    merged_code = models.CharField(_("merged code"), max_length=40)
    kept_id = models.PositiveBigIntegerField(_("kept record"))
    kept_code = models.CharField(_("kept code"), max_length=40)
    reason = models.TextField(_("reason"))
    references = models.JSONField(_("repointed references"), default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("merged by"))
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merge record")
        verbose_name_plural = _("merge records")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_code} → {self.kept_code}"


class ImportBatch(models.Model):
    """An uploaded file, previewed and then committed all-or-nothing."""

    class Kind(models.TextChoices):
        ITEM = "item", _("Items")
        PARTNER = "partner", _("Partners")
        WAREHOUSE = "warehouse", _("Warehouses")
        LOCATION = "location", _("Locations")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        COMMITTED = "committed", _("Committed")
        REJECTED = "rejected", _("Rejected")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(_("summary"), default=dict)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


# django-guardian object permissions with direct foreign keys (faster than generic relations).
class CompanyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class CompanyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class WarehouseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Warehouse, on_delete=models.CASCADE)


class WarehouseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Warehouse, on_delete=models.CASCADE)


class PartnerUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Partner, on_delete=models.CASCADE)


class PartnerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Partner, on_delete=models.CASCADE)
