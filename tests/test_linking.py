import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.choices import Label, LinkKind
from annotations.models import AnnotationLink
from annotations.spans import editing
from tests.factories import AnnotationFactory, ArticleFactory

pytestmark = pytest.mark.django_db


def make(article, author, label, start):
    return AnnotationFactory(article=article, author=author, label=label, start=start, length=3)


def test_attribution_links_to_the_claim_it_attributes(annotator, article):
    claim = make(article, annotator, Label.CLAIM, 0)
    attribution = make(article, annotator, Label.ATTRIBUTION, 10)
    link = editing.add_link(source=attribution, target=claim, user=annotator)
    assert link.kind == LinkKind.ATTRIBUTES
    attribution.refresh_from_db()
    assert attribution.version == 2


def test_denial_links_to_the_claim_it_denies(annotator, article):
    claim = make(article, annotator, Label.CLAIM, 0)
    denial = make(article, annotator, Label.DENIAL, 10)
    assert editing.add_link(source=denial, target=claim, user=annotator).kind == LinkKind.DENIES


def test_links_across_articles_are_refused(annotator, article):
    attribution = make(article, annotator, Label.ATTRIBUTION, 0)
    elsewhere = make(ArticleFactory(), annotator, Label.CLAIM, 0)
    with pytest.raises(ValidationError, match="same article"):
        editing.add_link(source=attribution, target=elsewhere, user=annotator)
    assert not AnnotationLink.objects.exists()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Label.CLAIM, Label.CLAIM),
        (Label.CLAIM, Label.DENIAL),
        (Label.DENIAL, Label.ATTRIBUTION),
        (Label.ATTRIBUTION, Label.ATTRIBUTION),
        (Label.DENIAL, Label.DENIAL),
    ],
)
def test_links_of_any_other_shape_are_refused(annotator, article, source, target):
    a = make(article, annotator, source, 0)
    b = make(article, annotator, target, 10)
    with pytest.raises(ValidationError):
        editing.add_link(source=a, target=b, user=annotator)


def test_a_label_cannot_change_in_a_way_that_breaks_its_links(annotator, article):
    claim = make(article, annotator, Label.CLAIM, 0)
    attribution = make(article, annotator, Label.ATTRIBUTION, 10)
    editing.add_link(source=attribution, target=claim, user=annotator)
    with pytest.raises(ValidationError, match="remove that link first"):
        editing.update_annotation(
            annotation=claim, user=annotator, changes={"label": "attribution"}
        )


def test_another_annotator_cannot_link_from_my_annotation(annotator, other_annotator, article):
    claim = make(article, annotator, Label.CLAIM, 0)
    attribution = make(article, annotator, Label.ATTRIBUTION, 10)
    with pytest.raises(PermissionDenied):
        editing.add_link(source=attribution, target=claim, user=other_annotator)


def test_model_validation_applies_the_same_link_rule(annotator, article):
    claim = make(article, annotator, Label.CLAIM, 0)
    other = make(article, annotator, Label.CLAIM, 10)
    with pytest.raises(ValidationError):
        AnnotationLink(source=claim, target=other).full_clean()
