from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("runs/", views.RunListView.as_view(), name="run-list"),
    path("runs/new/", views.RunCreateView.as_view(), name="run-create"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run-progress"),
    path("planned-orders/", views.PlannedOrderListView.as_view(), name="planned-order-list"),
    path("planned-orders/<int:pk>/", views.PlannedOrderDetailView.as_view(), name="planned-order-detail"),
    path("planned-orders/convert/", views.PlannedOrderConvertView.as_view(), name="planned-order-convert"),
]
