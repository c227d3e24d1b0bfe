from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_operations

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("security/", views.SecurityLogView.as_view(), name="security-log"),
    path("operations/posting-errors/", views_operations.PostingErrorListView.as_view(), name="posting-errors"),
    path(
        "operations/posting-errors/<int:pk>/retry/",
        views_operations.RetryEventView.as_view(),
        name="posting-error-retry",
    ),
    path("operations/webhooks/", views_operations.WebhookListView.as_view(), name="webhook-list"),
    path("operations/webhooks/new/", views_operations.WebhookCreateView.as_view(), name="webhook-create"),
    path("operations/webhooks/<int:pk>/", views_operations.WebhookDetailView.as_view(), name="webhook-detail"),
    path("operations/webhooks/<int:pk>/edit/", views_operations.WebhookEditView.as_view(), name="webhook-edit"),
    path(
        "operations/webhooks/<int:pk>/rotate-secret/",
        views_operations.RotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "operations/webhooks/deliveries/<int:pk>/",
        views_operations.DeliveryDetailView.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "operations/webhooks/deliveries/<int:pk>/replay/",
        views_operations.ReplayDeliveryView.as_view(),
        name="webhook-delivery-replay",
    ),
]
