"""URLs of the test LMS: Wagtail's admin, wagtail-lms at /lms/ (its player hard-codes that prefix), a login."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/login/", LoginView.as_view(template_name="login.html"), name="login"),
    path("lms/", include("wagtail_lms.urls")),
    path("", include(wagtail_urls)),
]
