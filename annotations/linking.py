"""Which annotations may point at which: the shape of links between spans."""

from __future__ import annotations

from annotations.models import Annotation, Label, LinkKind

# (source label, target label) -> kind. Anything else is refused.
LINK_SHAPES: dict[tuple[str, str], str] = {
    (Label.ATTRIBUTION, Label.CLAIM): LinkKind.ATTRIBUTES,
    (Label.ATTRIBUTION, Label.DENIAL): LinkKind.ATTRIBUTES,
    (Label.DENIAL, Label.CLAIM): LinkKind.DENIES,
}


def link_kind(source: Annotation, target: Annotation) -> str:
    """Return the kind of a link from source to target, or raise ValueError saying why not."""
    if source.pk is not None and source.pk == target.pk:
        raise ValueError("An annotation cannot link to itself.")
    if source.article_id != target.article_id:
        raise ValueError("Linked annotations must belong to the same article.")
    kind = LINK_SHAPES.get((source.label, target.label))
    if kind is None:
        raise ValueError(
            f"A {source.label} cannot link to a {target.label}: an attribution links to the "
            "claim or denial it attributes, and a denial to the claim it denies."
        )
    return kind


def label_change_problem(annotation: Annotation, new_label: str) -> str | None:
    """Say why the label cannot change to new_label without breaking existing links, if so."""
    if new_label == annotation.label:
        return None
    for link in annotation.outgoing_links.select_related("target"):
        if (new_label, link.target.label) not in LINK_SHAPES:
            return f"It links to a {link.target.label} as {link.kind}; remove that link first."
    for link in annotation.incoming_links.select_related("source"):
        if (link.source.label, new_label) not in LINK_SHAPES:
            return f"A {link.source.label} links to it; remove that link first."
    return None
