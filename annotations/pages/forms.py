from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from annotations.models import SUMMARY_MAX, Article, Project, Rating


class ArticleForm(forms.ModelForm):
    """Add an article by pasting its text; it is normalised like every stored body."""

    class Meta:
        model = Article
        fields = ["project", "title", "publisher", "byline", "source_url", "published_on", "body"]
        labels = {
            "project": _("Project"),
            "title": _("Title"),
            "publisher": _("Publisher"),
            "byline": _("Byline"),
            "source_url": _("URL"),
            "published_on": _("Published"),
            "body": _("Text"),
        }
        widgets = {
            "published_on": forms.DateInput(attrs={"type": "date"}),
            "body": forms.Textarea(attrs={"rows": 10, "placeholder": _("Paste the article text")}),
        }

    def __init__(self, *args, projects: QuerySet[Project] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = projects if projects is not None else Project.objects.none()
        field = self.fields["project"]
        field.queryset = choices
        field.empty_label = None
        self.only_project = choices.first() if len(choices) == 1 else None
        if self.only_project is not None:  # a member of one desk need not choose it
            field.required = False
            field.widget = forms.HiddenInput()
            field.initial = self.only_project.pk

    def clean_project(self) -> Project | None:
        return self.cleaned_data.get("project") or self.only_project


class ArticleFromUrlForm(forms.Form):
    """Add an article from its web address: the page is fetched in the background."""

    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("Project"))
    url = forms.CharField(
        label=_("Web address"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "url"}),
    )
    tracked = forms.BooleanField(
        required=False,
        label=_("Re-fetch it daily to catch corrections"),
    )

    def __init__(self, *args, projects: QuerySet[Project] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            projects if projects is not None else Project.objects.none()
        )
        self.fields["project"].empty_label = None


class VerdictForm(forms.Form):
    """A verdict's fields; whether they hold is verdicting.py's to say."""

    rating = forms.ModelChoiceField(queryset=Rating.objects.none(), label=_("Rating"))
    summary = forms.CharField(
        label=_("The claim as checked, in one sentence"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    claimant = forms.CharField(label=_("Who made the claim"), max_length=300)
    claimant_is_organization = forms.BooleanField(
        required=False, label=_("An organisation, not a person")
    )
    claim_date = forms.DateField(
        required=False,
        label=_("First appeared on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    appearance_url = forms.URLField(
        label=_("Where it first appeared"), max_length=2000, assume_scheme="https"
    )
    review_url = forms.URLField(
        required=False,
        label=_("The published fact-check article"),
        max_length=2000,
        assume_scheme="https",
    )

    def __init__(self, *args, ratings: list[Rating], correcting: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if correcting:  # a published verdict's correction says what it corrects, and why
            self.fields["note"] = forms.CharField(
                label=_("What is corrected, and why"),
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        field = self.fields["rating"]
        field.queryset = Rating.objects.filter(pk__in=[r.pk for r in ratings])
        field.empty_label = None
