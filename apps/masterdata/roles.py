"""What each role may do with master data (model permissions; rows are scoped separately)."""

REFERENCE_VIEW = [
    "masterdata.view_currency",
    "masterdata.view_exchangerate",
    "masterdata.view_unitofmeasure",
    "masterdata.view_unitconversion",
    "masterdata.view_taxrate",
    "masterdata.view_paymentterms",
    "masterdata.view_company",
    "masterdata.view_itemcategory",
    "masterdata.view_item",
    "masterdata.view_warehouse",
    "masterdata.view_location",
]
PARTNER_EDIT = [
    "masterdata.view_partner",
    "masterdata.add_partner",
    "masterdata.change_partner",
    "masterdata.view_partneraddress",
    "masterdata.view_partnercontact",
]

GRANTS = {
    "administrator": ["masterdata.*"],
    "sales_clerk": [*REFERENCE_VIEW, *PARTNER_EDIT],
    "buyer": [
        *REFERENCE_VIEW,
        *PARTNER_EDIT,
        "masterdata.add_item",
        "masterdata.change_item",
        "masterdata.add_unitconversion",
        "masterdata.change_unitconversion",
    ],
    "warehouse_keeper": [*REFERENCE_VIEW, "masterdata.add_location", "masterdata.change_location"],
    "production_planner": [*REFERENCE_VIEW, "masterdata.add_item", "masterdata.change_item"],
    "accountant": [
        *REFERENCE_VIEW,
        "masterdata.view_partner",
        "masterdata.view_partneraddress",
        "masterdata.view_partnercontact",
        "masterdata.access_partner",
        "masterdata.access_warehouse",
        "masterdata.add_exchangerate",
        "masterdata.change_exchangerate",
    ],
    "approver": [*REFERENCE_VIEW, "masterdata.view_partner"],
}
