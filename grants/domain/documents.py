"""Public documents made once, when they are published: which kinds there are.

A public document prints the audit head of the moment it was published (or last changed), so
anyone can check it against the published chain; it is not made again for a later audited
action that does not change it.
"""

NOTICE_DOCUMENT = "notice"
"""The award notice (立项结果公示): made when published, again when an objection is upheld and
when the notice is confirmed."""

PUBLISHED_KINDS = (NOTICE_DOCUMENT,)
"""Every kind of public document kept as published."""
