def platform(request):
    return {"PLATFORM_NAME": "Territoires en commun"}
