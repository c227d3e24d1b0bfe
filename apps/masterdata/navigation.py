"""Where master data appears in the browser: the top menus, the home page's overview, record pages."""

from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import (
    Company,
    Currency,
    ExchangeRate,
    Item,
    ItemCategory,
    Location,
    Partner,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)

MENUS = [
    (
        _("Master data"),
        [
            (_("Items"), "masterdata:item-list", "masterdata.view_item"),
            (_("Item categories"), "masterdata:category-list", "masterdata.view_itemcategory"),
            (_("Partners"), "masterdata:partner-list", "masterdata.view_partner"),
            (_("Warehouses"), "masterdata:warehouse-list", "masterdata.view_warehouse"),
            (_("Locations"), "masterdata:location-list", "masterdata.view_location"),
        ],
    ),
    (
        _("Reference data"),
        [
            (_("Companies"), "masterdata:company-list", "masterdata.view_company"),
            (_("Currencies"), "masterdata:currency-list", "masterdata.view_currency"),
            (_("Exchange rates"), "masterdata:exchange-rate-list", "masterdata.view_exchangerate"),
            (_("Units of measure"), "masterdata:unit-list", "masterdata.view_unitofmeasure"),
            (_("Unit conversions"), "masterdata:unit-conversion-list", "masterdata.view_unitconversion"),
            (_("Tax rates"), "masterdata:tax-rate-list", "masterdata.view_taxrate"),
            (_("Payment terms"), "masterdata:payment-terms-list", "masterdata.view_paymentterms"),
        ],
    ),
    (
        _("Import"),
        [
            (_("Import items"), "masterdata:import-item", "masterdata.import_item"),
            (_("Import partners"), "masterdata:import-partner", "masterdata.import_partner"),
            (_("Import warehouses"), "masterdata:import-warehouse", "masterdata.import_warehouse"),
            (_("Import locations"), "masterdata:import-location", "masterdata.import_warehouse"),
        ],
    ),
]

# The home page's counts: (label, list page, permission, selector).
OVERVIEW = [
    (_("Items"), "masterdata:item-list", "masterdata.view_item", selectors.items_visible_to),
    (_("Partners"), "masterdata:partner-list", "masterdata.view_partner", selectors.partners_visible_to),
    (_("Warehouses"), "masterdata:warehouse-list", "masterdata.view_warehouse", selectors.warehouses_visible_to),
]

# Each record's detail page, for links from history and from the postings and moves it caused.
RECORD_PAGES = {
    Item: "masterdata:item-detail",
    Partner: "masterdata:partner-detail",
    Warehouse: "masterdata:warehouse-detail",
    Location: "masterdata:location-detail",
    ItemCategory: "masterdata:category-detail",
    Company: "masterdata:company-detail",
    Currency: "masterdata:currency-detail",
    ExchangeRate: "masterdata:exchange-rate-detail",
    UnitOfMeasure: "masterdata:unit-detail",
    UnitConversion: "masterdata:unit-conversion-detail",
    TaxRate: "masterdata:tax-rate-detail",
    PaymentTerms: "masterdata:payment-terms-detail",
}
