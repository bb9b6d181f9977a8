"""What a run may spend and costs: the budget and the estimate."""
