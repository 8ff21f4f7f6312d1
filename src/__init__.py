"""autofactura: CFDI 4.0 invoices from Mexican vendors' self-invoicing portals."""
