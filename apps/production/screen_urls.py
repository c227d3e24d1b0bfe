from django.urls import path

from . import screens

app_name = "shopfloor"
urlpatterns = [
    path("", screens.ShopFloorView.as_view(), name="screen"),
    path("board/", screens.ShopFloorBoardView.as_view(), name="board"),
]
