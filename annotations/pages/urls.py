from django.urls import path

from annotations.pages import views

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("home/", views.home, name="home"),  # where log-in leads
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path("articles/from-url/", views.article_from_url, name="article-from-url"),
    path("fetches/<int:pk>/", views.fetch_detail, name="fetch-detail"),
    path("claims/<int:pk>/verdict/", views.claim_verdict, name="claim-verdict"),
    path("verdicts/<int:pk>/", views.verdict_detail, name="verdict-detail"),
    path("articles/<int:pk>/adjudicate/", views.article_adjudicate, name="article-adjudicate"),
    path("articles/<int:pk>/correct/", views.article_correct, name="article-correct"),
    path("articles/<int:pk>/revisions/", views.article_revisions, name="article-revisions"),
    path("work/", views.my_work, name="my-work"),
    path("export/", views.export, name="export"),
    path("work/<int:pk>/done/", views.mark_done, name="mark-done"),
    path("projects/<slug:slug>/guidelines/", views.guidelines, name="project-guidelines"),
]
