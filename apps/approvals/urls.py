from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("link/<str:token>/", views.LinkView.as_view(), name="link"),
    path("delegations/", views.DelegationsView.as_view(), name="delegations"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("rules/new/", views.RuleCreateView.as_view(), name="rule_create"),
    path("rules/<int:pk>/", views.RuleDetailView.as_view(), name="rule_detail"),
    path("rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
]
