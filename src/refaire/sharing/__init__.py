"""Sharing machines, spaces and tools: bookable resources, trainings, bookings, calendars.

- `rules`: a resource's booking rules (RRULE availability, deadlines, durations), checked.
- `availability`: open intervals and free slots in the resource's time zone, DST-safe.
- `access`: who may manage a resource or book it; the errors every sharing write raises.
- `resources`: making a machine or space bookable, lending one's own tool.
- `trainings`: trainings, who holds them, bookable training sessions.
- `service`: book, change, cancel, approve, block, no-show, completed.
- `listing`: one booking's details, my bookings, a resource's or facility's bookings.
- `calendar`: iCalendar feeds (resource, facility, a member's private feed) and .ics mails.
- `export`: CSV of availability and bookings (UTF-8 with BOM, formulas neutralised).
- `figures`: what the observatory counts of bookings.
"""
