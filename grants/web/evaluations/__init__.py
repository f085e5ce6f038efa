"""Mid-term and final evaluation pages: the grantee's report, the organizer's overview, the
evaluator's queue and scoring form, and the public results notice."""
