from django.http import HttpResponse


def index(request):
    return HttpResponse("")


def budget_detail(request, slug):
    return HttpResponse("")
