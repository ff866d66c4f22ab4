from django.urls import path

from territoires.diagnostic.qdpx import views

app_name = "qdpx"

urlpatterns = [
    path("projet/<slug:slug>/", views.exchange_page, name="exchange"),
    path("projet/<slug:slug>/extraits.csv", views.excerpt_export, {"extension": "csv"}, name="excerpts_csv"),
    path("projet/<slug:slug>/extraits.xlsx", views.excerpt_export, {"extension": "xlsx"}, name="excerpts_xlsx"),
    path("<int:pk>/", views.exchange_status, name="status"),
    path("<int:pk>/telecharger/", views.exchange_download, name="download"),
]
