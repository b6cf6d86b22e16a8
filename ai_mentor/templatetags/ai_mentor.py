"""`{% load ai_mentor %}{% ai_mentor_panel phase %}`: the AI mentor's panel on a page.

Renders the learner's conversation about the phase (one query) and the ask form, from
templates/ai_mentor/panel.html (the same partial the ask view returns to htmx).
"""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def ai_mentor_panel(context, phase) -> SafeString:
    from ai_mentor.views import panel_context

    request = context["request"]
    if not request.user.is_authenticated:
        return mark_safe("")
    return render_to_string("ai_mentor/panel.html", panel_context(request, phase), request=request)


@register.filter
def draft_row_for(rows, criterion):
    """`{% with row=ai_draft_rows|draft_row_for:criterion %}`: the AI draft's row of a rubric
    criterion on the review page, or None."""
    return next((row for row in rows or () if row.criterion.pk == criterion.pk), None)
