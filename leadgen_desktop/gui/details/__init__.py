"""The details panel of a lead, its explanations and the charts."""
