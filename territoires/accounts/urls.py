from django.contrib.auth import views as auth_views
from django.urls import path

from territoires.accounts import account_views, proconnect, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("connexion/code/", two_factor_views.login_code, name="login_code"),
    path("double-authentification/", two_factor_views.two_factor_page, name="two_factor"),
    path("double-authentification/codes/", two_factor_views.two_factor_codes, name="two_factor_codes"),
    path("deconnexion/", proconnect.LogoutView.as_view(), name="logout"),
    path("proconnect/", proconnect.ProConnectStartView.as_view(), name="proconnect_start"),
    path("proconnect/retour/", proconnect.ProConnectCallbackView.as_view(), name="proconnect_callback"),
    path("demandes-de-rattachement/", proconnect.proconnect_requests, name="proconnect_requests"),
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("", account_views.account, name="account"),
    path("donnees/", account_views.data_export_request, name="data_export_request"),
    path("donnees/<int:export_id>/", account_views.data_export_status, name="data_export_status"),
    path("donnees/<int:export_id>/telecharger/", account_views.data_export_download, name="data_export_download"),
    path("fermer/", account_views.account_close, name="account_close"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/nouvelle/", views.invitation_create, name="invitation_create"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
