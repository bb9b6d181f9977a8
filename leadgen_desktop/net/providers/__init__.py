"""Provider implementations: Google Places, Hunter.io, NeverBounce and the offline demo."""
