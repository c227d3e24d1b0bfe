"""`{% approval_trail document %}`: where a document's approval stands, for its detail page."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("approvals/_trail.html")
def approval_trail(document) -> dict:
    """Every approval request of the document, newest first: each step, who decided what and when, who holds it."""
    return {"trails": selectors.trail_for(document), "show_request_links": True}
