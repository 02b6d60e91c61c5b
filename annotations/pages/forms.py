from __future__ import annotations

from django import forms

from annotations.models import Article


class ArticleForm(forms.ModelForm):
    """Add an article by pasting its text; it is normalised like every stored body."""

    class Meta:
        model = Article
        fields = ["title", "publisher", "byline", "source_url", "published_on", "body"]
        labels = {"source_url": "URL", "published_on": "Published", "body": "Text"}
        widgets = {
            "published_on": forms.DateInput(attrs={"type": "date"}),
            "body": forms.Textarea(attrs={"rows": 10, "placeholder": "Paste the article text"}),
        }
