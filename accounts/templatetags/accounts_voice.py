"""Small pieces of the account pages' wording."""

from email.utils import parseaddr

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def contact_link(text: str = "write to us") -> SafeString:
    """A mailto link to the address our mails come from (DEFAULT_FROM_EMAIL), showing it, so
    "write to us" is never a sentence without a way to do it."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return format_html('<a href="mailto:{}">{} at {}</a>', address, text, address)
