"""The public transparency portal (信息公开): what anyone may read, without an account.

* :mod:`.queries` — rounds and pools, funded projects (search, filters, pages), spending by
  budget line and category, needs and the projects that answered them, notices and their
  outcomes; each read runs a fixed number of statements whatever the number of rows;
* :mod:`.opendata` — the 360Giving JSON package and CSV of the awards;
* :mod:`.validation` — the offline check of a package against the vendored 360Giving schemas;
* :mod:`.announcements` — the organizer's announcements (write, publish, withdraw, read);
* :mod:`.outcomes` — evaluation results and satisfaction rates, when those records exist.

Nothing private leaves this package: no phone number, bank account, resident's name, objector,
ID number or beneficiary. Applicants are named as the public notice names them
(:func:`grants.domain.permissions.awards.public_applicant`).
"""
