"""`serialtrace import`: a legacy system's export, checked, applied, verified and
reversible, through the services' own gRPC APIs (never their tables)."""
