"""Which annotations may point at which: the shape of links between spans.

A rule module: it reads labels and article ids off whatever annotations it is handed and
imports no tables, so the tables and the services that create links can both ask it.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _

from annotations.choices import Label, LinkKind


def _label(value: str) -> str:
    return Label(value).label.lower()


class Linkable(Protocol):
    pk: int | None
    article_id: int
    label: str


# (source label, target label) -> kind. Anything else is refused.
LINK_SHAPES: dict[tuple[str, str], str] = {
    (Label.ATTRIBUTION, Label.CLAIM): LinkKind.ATTRIBUTES,
    (Label.ATTRIBUTION, Label.DENIAL): LinkKind.ATTRIBUTES,
    (Label.DENIAL, Label.CLAIM): LinkKind.DENIES,
}


def link_kind(source: Linkable, target: Linkable) -> str:
    """Return the kind of a link from source to target, or raise ValueError saying why not."""
    if source.pk is not None and source.pk == target.pk:
        raise ValueError(_("An annotation cannot link to itself."))
    if source.article_id != target.article_id:
        raise ValueError(_("Linked annotations must belong to the same article."))
    kind = LINK_SHAPES.get((source.label, target.label))
    if kind is None:
        raise ValueError(
            _(
                "A %(source)s cannot link to a %(target)s: an attribution links to the claim or "
                "denial it attributes, and a denial to the claim it denies."
            )
            % {"source": _label(source.label), "target": _label(target.label)}
        )
    return kind


def label_change_problem(
    new_label: str, *, outgoing: list[tuple[str, str]], incoming: list[str]
) -> str | None:
    """Say why a span cannot take new_label without breaking its links, if so.

    `outgoing` holds (kind, target label) of the links it makes, `incoming` the labels of the
    annotations that link to it.
    """
    for kind, target_label in outgoing:
        if (new_label, target_label) not in LINK_SHAPES:
            return _("It links to a %(label)s (%(kind)s); remove that link first.") % {
                "label": _label(target_label),
                "kind": LinkKind(kind).label.lower(),
            }
    for source_label in incoming:
        if (source_label, new_label) not in LINK_SHAPES:
            return _("A %(label)s links to it; remove that link first.") % {
                "label": _label(source_label)
            }
    return None
