"""Email logic: registrable domains, shared platforms and the rule that picks a lead's email."""
