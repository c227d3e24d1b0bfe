from django.urls import URLPattern, path

from . import selectors, views
from .models import ImportBatch

app_name = "masterdata"


def record_urls(
    slug: str, name: str, *, list_view, detail_view, create_view, edit_view, active_view
) -> list[URLPattern]:
    """List, new, detail and edit pages, and for records with `active` the deactivate/reactivate action."""
    urls = [
        path(f"{slug}/", list_view, name=f"{name}-list"),
        path(f"{slug}/new/", create_view, name=f"{name}-create"),
        path(f"{slug}/<int:pk>/", detail_view, name=f"{name}-detail"),
        path(f"{slug}/<int:pk>/edit/", edit_view, name=f"{name}-edit"),
    ]
    if active_view is not None:
        urls.append(path(f"{slug}/<int:pk>/active/", active_view, name=f"{name}-active"))
    return urls


def similar_view(find, *, name: str, permission: str):
    return views.SimilarRecordsView.as_view(
        find=find, detail_url=f"masterdata:{name}-detail", permission_required=permission
    )


urlpatterns = [
    *record_urls(
        "items",
        "item",
        list_view=views.ItemListView.as_view(),
        detail_view=views.ItemDetailView.as_view(),
        create_view=views.ItemCreateView.as_view(),
        edit_view=views.ItemEditView.as_view(),
        active_view=views.SetActiveView.of(views.ItemPages),
    ),
    path("items/<int:pk>/merge/", views.ItemMergeView.as_view(), name="item-merge"),
    path(
        "items/similar/",
        similar_view(selectors.similar_items, name="item", permission="masterdata.view_item"),
        name="item-similar",
    ),
    *record_urls(
        "partners",
        "partner",
        list_view=views.PartnerListView.as_view(),
        detail_view=views.PartnerDetailView.as_view(),
        create_view=views.PartnerCreateView.as_view(),
        edit_view=views.PartnerEditView.as_view(),
        active_view=views.SetActiveView.of(views.PartnerPages),
    ),
    path("partners/<int:pk>/merge/", views.PartnerMergeView.as_view(), name="partner-merge"),
    path(
        "partners/similar/",
        similar_view(selectors.similar_partners, name="partner", permission="masterdata.view_partner"),
        name="partner-similar",
    ),
    *record_urls(
        "warehouses",
        "warehouse",
        list_view=views.WarehouseListView.as_view(),
        detail_view=views.WarehouseDetailView.as_view(),
        create_view=views.WarehouseCreateView.as_view(),
        edit_view=views.WarehouseEditView.as_view(),
        active_view=views.SetActiveView.of(views.WarehousePages),
    ),
    *record_urls(
        "locations",
        "location",
        list_view=views.LocationListView.as_view(),
        detail_view=views.LocationDetailView.as_view(),
        create_view=views.LocationCreateView.as_view(),
        edit_view=views.LocationEditView.as_view(),
        active_view=views.SetActiveView.of(views.LocationPages),
    ),
    *record_urls(
        "categories",
        "category",
        list_view=views.CategoryListView.as_view(),
        detail_view=views.CategoryDetailView.as_view(),
        create_view=views.CategoryCreateView.as_view(),
        edit_view=views.CategoryEditView.as_view(),
        active_view=views.SetActiveView.of(views.CategoryPages),
    ),
    *(
        pattern
        for pages in views.REFERENCE_PAGES
        for pattern in record_urls(
            pages.slug,
            pages.name,
            list_view=pages.list_view(),
            detail_view=pages.detail_view(),
            create_view=pages.create_view(),
            edit_view=pages.edit_view(),
            active_view=pages.active_view(),
        )
    ),
    *(
        path(f"import/{kind}/", views.ImportView.as_view(kind=kind), name=f"import-{kind}")
        for kind in ImportBatch.Kind.values
    ),
    path("import/batches/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import-commit"),
]
