"""Definition endpoints (filled in by the definitions service work)."""
