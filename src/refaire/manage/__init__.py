"""Facility management, and designs by their authors: the people who run a place keep its
record, the people who made a design maintain it.

- `stated`: manager-stated fields and their provenance; re-imports never overwrite them.
- `access`: who may change a facility (its managers, admins), the errors every write raises.
- `hours`: a weekly schedule and closures in the facility's IANA time zone.
- `machines`: assisted machine entry ("Ultimaker S5" → process, size, materials).
- `editing`: the one write path of a facility record (fields, machines, prices, capabilities).
- `claims`: a member asks to manage a facility; an admin or a mail to its domain confirms.
- `suggestions`: members suggest corrections that the managers accept or reject.
- `panel`: what a facility page shows about its management (hours, prices, history).
- `designs`: registering a design as its author, and claims on imported designs.
"""
