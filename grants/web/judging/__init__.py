"""Online judging (专家评审): judges score, organizers run panels and rankings, residents vote."""
