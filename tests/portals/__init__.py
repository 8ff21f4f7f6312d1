"""Local vendor invoicing portals (tests and benchmarks): `app.serve_portals()` serves them all;
`ledger.Ledger` records what they issued; `handwritten.SCRIPTS` fills each one by hand."""
