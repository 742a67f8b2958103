import markdown as markdown_lib
import nh3
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from workshop.links import absolute_url as site_link
from workshop.phases import format_aoe

register = template.Library()


@register.filter
def aoe(value):
    """'Wed 9 Dec 2026, 23:59 AoE' — the time as workshops state deadlines (workshop.phases.format_aoe)."""
    return format_aoe(value)


@register.filter
def absolute_url(path):
    """The path as a link on this site, for emails (workshop.links.absolute_url)."""
    return site_link(path)


@register.simple_tag
def local_time(value):
    """A <time> that dates.js rewrites into the visitor's time zone; UTC without JavaScript."""
    return format_html(
        '<time class="local-time" datetime="{}">{}</time>',
        value.isoformat(),
        value.strftime("%a %-d %b %Y, %H:%M UTC"),
    )


@register.filter
def markdown(text):
    """Markdown rendered to HTML, then sanitised: raw HTML, scripts and event handlers are removed."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists", "tables", "fenced_code"])
    return mark_safe(nh3.clean(html))
