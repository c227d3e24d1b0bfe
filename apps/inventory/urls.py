from django.urls import path

from .views import adjustments, counts, lots, reports, transfers

app_name = "inventory"

urlpatterns = [
    path("adjustments/", adjustments.AdjustmentListView.as_view(), name="adjustment-list"),
    path("adjustments/new/", adjustments.AdjustmentCreateView.as_view(), name="adjustment-create"),
    path("adjustments/<int:pk>/", adjustments.AdjustmentDetailView.as_view(), name="adjustment-detail"),
    path("adjustments/<int:pk>/edit/", adjustments.AdjustmentEditView.as_view(), name="adjustment-edit"),
    path(
        "adjustments/<int:pk>/actions/<slug:slug>/",
        adjustments.AdjustmentActionView.as_view(),
        name="adjustment-action",
    ),
    path("transfers/", transfers.TransferListView.as_view(), name="transfer-list"),
    path("transfers/new/", transfers.TransferCreateView.as_view(), name="transfer-create"),
    path("transfers/<int:pk>/", transfers.TransferDetailView.as_view(), name="transfer-detail"),
    path("transfers/<int:pk>/edit/", transfers.TransferEditView.as_view(), name="transfer-edit"),
    path("transfers/<int:pk>/actions/<slug:slug>/", transfers.TransferActionView.as_view(), name="transfer-action"),
    path("counts/", counts.CountListView.as_view(), name="count-list"),
    path("counts/new/", counts.CountCreateView.as_view(), name="count-create"),
    path("counts/<int:pk>/", counts.CountDetailView.as_view(), name="count-detail"),
    path("counts/<int:pk>/entry/", counts.CountEntryView.as_view(), name="count-entry"),
    path("counts/<int:pk>/actions/<slug:slug>/", counts.CountActionView.as_view(), name="count-action"),
    path("stock/", reports.StockOnHandView.as_view(), name="stock-on-hand"),
    path("stock/locations/<int:pk>/", reports.LocationStockView.as_view(), name="location-stock"),
    path("ledger/", reports.ItemLedgerView.as_view(), name="item-ledger"),
    path("valuation/", reports.ValuationView.as_view(), name="valuation"),
    path("reorder/", reports.ReorderView.as_view(), name="reorder"),
    path("lots/", lots.LotListView.as_view(), name="lot-list"),
    path("lots/<int:pk>/", lots.LotDetailView.as_view(), name="lot-detail"),
]
