from django.urls import path

from .views import deliveries, invoices, orders, price_lists, quotations, receipts, reports, returns

app_name = "sales"


def document_pages(prefix: str, module, name: str, *, create=True, edit=False) -> list:
    """The list, detail, action (and create, edit) pages of one document."""
    title = name.title().replace("-", "")
    pages = [
        path(f"{prefix}/", getattr(module, f"{title}ListView").as_view(), name=f"{name}-list"),
        path(f"{prefix}/<int:pk>/", getattr(module, f"{title}DetailView").as_view(), name=f"{name}-detail"),
    ]
    if hasattr(module, f"{title}ActionView"):
        pages.append(
            path(
                f"{prefix}/<int:pk>/actions/<slug:slug>/",
                getattr(module, f"{title}ActionView").as_view(),
                name=f"{name}-action",
            )
        )
    if create:
        pages.append(path(f"{prefix}/new/", getattr(module, f"{title}CreateView").as_view(), name=f"{name}-create"))
    if edit:
        pages.append(
            path(f"{prefix}/<int:pk>/edit/", getattr(module, f"{title}EditView").as_view(), name=f"{name}-edit")
        )
    return pages


urlpatterns = [
    *document_pages("price-lists", price_lists, "price-list", edit=True),
    *document_pages("quotations", quotations, "quotation", edit=True),
    path("quotations/<int:pk>/accept/", quotations.QuotationAcceptView.as_view(), name="quotation-accept"),
    *document_pages("orders", orders, "order", edit=True),
    path("orders/<int:pk>/print/", orders.OrderPrintView.as_view(), name="order-print"),
    *document_pages("deliveries", deliveries, "delivery"),
    *document_pages("invoices", invoices, "invoice"),
    *document_pages("credit-notes", invoices, "credit-note"),
    *document_pages("receipts", receipts, "receipt"),
    *document_pages("returns", returns, "return"),
    path("reports/open-orders/", reports.OpenOrdersView.as_view(), name="open-orders"),
    path("reports/shippable-today/", reports.ShippableTodayView.as_view(), name="shippable-today"),
    path("reports/ar-ageing/", reports.AgeingView.as_view(), name="ar-ageing"),
    path("reports/sales-margin/", reports.MarginView.as_view(), name="sales-margin"),
    path("reports/statement/", reports.StatementView.as_view(), name="statement"),
    path("reports/statement/print/", reports.StatementPrintView.as_view(), name="statement-print"),
]
