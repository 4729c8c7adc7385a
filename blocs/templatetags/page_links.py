"""Links that higher apps add to the pages of lower ones, through settings.PAGE_LINKS, so that
a lower app's template never names a higher app's URL: `{% page_links "review" review.pk bloc %}`
lists the higher apps' pages of that object the user may open."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("blocs/_page_links.html", takes_context=True)
def page_links(context, page: str, pk: int, bloc=None) -> dict:
    user = context["request"].user
    links = [
        (label, icon, reverse(url_name, args=[pk]))
        for label, icon, url_name, permission in getattr(settings, "PAGE_LINKS", {}).get(page, [])
        if permission is None or user.has_perm(permission, bloc)
    ]
    return {"links": links}
