from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong")


def sign_in_as_demo(request: HttpRequest) -> HttpResponse:
    # Stands for the provider's sign-in page: the test is about its tokens, not its forms.
    login(request, get_user_model().objects.get(username="demo"), backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponse("signed in")


urlpatterns = [
    path("api/ping", ping),
    path("sign-in-as-demo", sign_in_as_demo),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
