"""The workshop's important dates as an iCalendar file, for visitors' calendars."""

from django.utils import timezone
from icalendar import Calendar, Event

from workshop.phases import format_aoe


def deadlines_calendar(workshop, url) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Workshop reviews//Important dates//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{workshop.short_name} important dates")
    stamp = timezone.now()
    for date in workshop.important_dates:
        event = Event()
        event.add("uid", f"{workshop.slug}-{date.key}@workshop-reviews")
        event.add("dtstamp", stamp)
        event.add("dtstart", date.at)
        event.add("dtend", date.at)
        event.add("summary", f"{workshop.short_name}: {date.label}")
        event.add("description", f"{date.label}: {format_aoe(date.at)}.\n{url}")
        event.add("url", url)
        calendar.add_component(event)
    return calendar.to_ical()
