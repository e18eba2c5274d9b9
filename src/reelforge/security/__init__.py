"""Security building blocks: envelope encryption, tenant secrets, SSRF guard, upload checks,
web hardening middleware. docs/security.md is the threat model they implement."""
