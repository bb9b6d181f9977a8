"""HTTP layer and providers (live and demo) implementing the domain protocols."""
