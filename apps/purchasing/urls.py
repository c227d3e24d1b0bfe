from django.urls import path

from .views import bills, orders, payments, receipts, reports, requisitions, returns

app_name = "purchasing"

urlpatterns = [
    path("requisitions/", requisitions.RequisitionListView.as_view(), name="requisition-list"),
    path("requisitions/new/", requisitions.RequisitionCreateView.as_view(), name="requisition-create"),
    path("requisitions/<int:pk>/", requisitions.RequisitionDetailView.as_view(), name="requisition-detail"),
    path("requisitions/<int:pk>/edit/", requisitions.RequisitionEditView.as_view(), name="requisition-edit"),
    path(
        "requisitions/<int:pk>/actions/<slug:slug>/",
        requisitions.RequisitionActionView.as_view(),
        name="requisition-action",
    ),
    path(
        "requisitions/from-reorder/", requisitions.RequisitionFromReorderView.as_view(), name="requisition-from-reorder"
    ),
    path("orders/", orders.OrderListView.as_view(), name="order-list"),
    path("orders/new/", orders.OrderCreateView.as_view(), name="order-create"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/edit/", orders.OrderEditView.as_view(), name="order-edit"),
    path("orders/<int:pk>/actions/<slug:slug>/", orders.OrderActionView.as_view(), name="order-action"),
    path("orders/<int:pk>/print/", orders.OrderPrintView.as_view(), name="order-print"),
    path("orders/<int:pk>/lines/<int:line>/close/", orders.OrderLineCloseView.as_view(), name="order-close-line"),
    path("receipts/", receipts.ReceiptListView.as_view(), name="receipt-list"),
    path("receipts/new/", receipts.ReceiptCreateView.as_view(), name="receipt-create"),
    path("receipts/<int:pk>/", receipts.ReceiptDetailView.as_view(), name="receipt-detail"),
    path("receipts/<int:pk>/actions/<slug:slug>/", receipts.ReceiptActionView.as_view(), name="receipt-action"),
    path("bills/", bills.BillListView.as_view(), name="bill-list"),
    path("bills/new/", bills.BillCreateView.as_view(), name="bill-create"),
    path("bills/<int:pk>/", bills.BillDetailView.as_view(), name="bill-detail"),
    path("bills/<int:pk>/actions/<slug:slug>/", bills.BillActionView.as_view(), name="bill-action"),
    path("payments/", payments.PaymentListView.as_view(), name="payment-list"),
    path("payments/new/", payments.PaymentCreateView.as_view(), name="payment-create"),
    path("payments/<int:pk>/", payments.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<int:pk>/actions/<slug:slug>/", payments.PaymentActionView.as_view(), name="payment-action"),
    path("returns/", returns.ReturnListView.as_view(), name="return-list"),
    path("returns/new/", returns.ReturnCreateView.as_view(), name="return-create"),
    path("returns/<int:pk>/", returns.ReturnDetailView.as_view(), name="return-detail"),
    path("returns/<int:pk>/actions/<slug:slug>/", returns.ReturnActionView.as_view(), name="return-action"),
    path("reports/open-orders/", reports.OpenOrdersView.as_view(), name="open-orders"),
    path("reports/grni/", reports.GrniView.as_view(), name="grni"),
    path("reports/ap-ageing/", reports.ApAgeingView.as_view(), name="ap-ageing"),
    path("reports/purchases/", reports.PurchasesView.as_view(), name="purchases"),
]
