from django.urls import path

from .views import boms, documents, work_orders

app_name = "production"

urlpatterns = [
    path("boms/", boms.BomListView.as_view(), name="bom-list"),
    path("boms/new/", boms.BomCreateView.as_view(), name="bom-create"),
    path("boms/<int:pk>/", boms.BomDetailView.as_view(), name="bom-detail"),
    path("boms/<int:pk>/edit/", boms.BomEditView.as_view(), name="bom-edit"),
    path("boms/<int:pk>/actions/<slug:slug>/", boms.BomActionView.as_view(), name="bom-action"),
    path("work-orders/", work_orders.WorkOrderListView.as_view(), name="work-order-list"),
    path("work-orders/new/", work_orders.WorkOrderCreateView.as_view(), name="work-order-create"),
    path("work-orders/<int:pk>/", work_orders.WorkOrderDetailView.as_view(), name="work-order-detail"),
    path("work-orders/<int:pk>/edit/", work_orders.WorkOrderEditView.as_view(), name="work-order-edit"),
    path(
        "work-orders/<int:pk>/actions/<slug:slug>/",
        work_orders.WorkOrderActionView.as_view(),
        name="work-order-action",
    ),
    path("work-orders/<int:pk>/issue/", work_orders.IssueCreateView.as_view(), name="work-order-issue"),
    path("work-orders/<int:pk>/output/", work_orders.OutputCreateView.as_view(), name="work-order-output"),
    path("material-issues/", documents.IssueListView.as_view(), name="issue-list"),
    path("material-issues/<int:pk>/", documents.IssueDetailView.as_view(), name="issue-detail"),
    path("outputs/", documents.OutputListView.as_view(), name="output-list"),
    path("outputs/<int:pk>/", documents.OutputDetailView.as_view(), name="output-detail"),
]
