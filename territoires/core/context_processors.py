from django.conf import settings


def platform(request):
    return {"PLATFORM_NAME": "Territoires en commun", "SITE_URL": settings.SITE_URL}
